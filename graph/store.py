"""SPARQL stores: one small interface, an embedded Oxigraph store behind it.

The QA layer, the CLI and the app only call :meth:`Store.query` and
:meth:`Store.add`, so the engine can change (or be remote) without touching them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from ontology import SPARQL_PREFIXES

__all__ = ["EmbeddedStore", "QueryResult", "SparqlError", "Store", "python_value"]

_XSD = "http://www.w3.org/2001/XMLSchema#"


class SparqlError(Exception):
    """A query could not be parsed or run; the message says where and why."""


@dataclass(frozen=True)
class QueryResult:
    """Rows of plain Python values (str, int, float, bool, date) by variable.

    ``kind`` is ``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE, whose
    ``rows`` are (subject, predicate, object) triples).
    """

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[tuple, ...] = ()
    boolean: bool | None = None
    graph_nt: str = field(default="", repr=False)

    def dicts(self) -> list[dict]:
        return [dict(zip(self.variables, row, strict=False)) for row in self.rows]

    def column(self, name: str) -> list:
        index = self.variables.index(name)
        return [row[index] for row in self.rows]


def python_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | None):
    """A Python value for an RDF term (IRIs and blank nodes become strings).

    >>> python_value(ox.Literal("3", datatype=ox.NamedNode(_XSD + "integer")))
    3
    """
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        text = term.value
        try:
            if datatype in (_XSD + "integer", _XSD + "int", _XSD + "long"):
                return int(text)
            if datatype in (_XSD + "decimal", _XSD + "double", _XSD + "float"):
                return float(text)
            if datatype == _XSD + "boolean":
                return text in ("true", "1")
            if datatype == _XSD + "date":
                return dt.date.fromisoformat(text)
        except ValueError:
            return text
        return text
    return term.value


def with_prefixes(sparql: str) -> str:
    """The query with plankg's prefixes predeclared (a query may redeclare them)."""
    return SPARQL_PREFIXES + sparql


class Store(Protocol):
    def query(self, sparql: str) -> QueryResult: ...

    def add(self, quads: Iterable[ox.Quad]) -> None: ...

    def load(self, data: bytes | str, *, format: str = "text/turtle") -> None: ...

    def clear(self) -> None: ...

    def __len__(self) -> int: ...


class EmbeddedStore:
    """An in-process Oxigraph store, in memory or persistent in a folder.

    >>> store = EmbeddedStore()
    >>> store.load('<http://e/a> <http://e/p> 1 .', format="text/turtle")
    >>> store.query("SELECT ?o WHERE { ?s ?p ?o }").rows
    ((1,),)
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self.oxigraph = ox.Store(str(path)) if path else ox.Store()

    def query(self, sparql: str) -> QueryResult:
        try:
            result = self.oxigraph.query(with_prefixes(sparql), use_default_graph_as_union=True)
        except SyntaxError as error:
            raise SparqlError(_shift_position(str(error))) from None
        except (OSError, ValueError, RuntimeError) as error:
            raise SparqlError(str(error)) from None
        return _to_result(result)

    def update(self, sparql: str) -> None:
        try:
            self.oxigraph.update(with_prefixes(sparql))
        except SyntaxError as error:
            raise SparqlError(_shift_position(str(error))) from None

    def add(self, quads: Iterable[ox.Quad]) -> None:
        self.oxigraph.extend(quads)

    def load(self, data: bytes | str, *, format: str = "text/turtle") -> None:
        fmt = ox.RdfFormat.from_media_type(format) or ox.RdfFormat.TURTLE
        self.oxigraph.load(data.encode() if isinstance(data, str) else data, format=fmt)

    def clear(self) -> None:
        self.oxigraph.clear()

    def dump(self, format: str = "application/n-triples") -> bytes:
        fmt = ox.RdfFormat.from_media_type(format) or ox.RdfFormat.N_TRIPLES
        return self.oxigraph.dump(format=fmt, from_graph=ox.DefaultGraph())

    def __len__(self) -> int:
        return len(self.oxigraph)


_PREFIX_LINES = SPARQL_PREFIXES.count("\n")


def _shift_position(message: str) -> str:
    """Report parser positions relative to the user's query, not the predeclared prefixes.

    >>> _shift_position(f"error at {_PREFIX_LINES + 2}:9: expected WHERE")
    'error at line 2, column 9: expected WHERE'
    """

    def shift(match: re.Match[str]) -> str:
        return f"at line {int(match.group(1)) - _PREFIX_LINES}, column {match.group(2)}"

    return re.sub(r"at (\d+):(\d+)", shift, message)


def _to_result(result) -> QueryResult:
    if isinstance(result, bool):
        return QueryResult("ask", boolean=result)
    if isinstance(result, ox.QuerySolutions):
        variables = tuple(v.value for v in result.variables)
        rows = tuple(tuple(python_value(solution[v]) for v in variables) for solution in result)
        return QueryResult("select", variables, rows)
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(result))
    triples: Sequence[ox.Triple] = list(result)
    nt = "".join(f"{t.subject} {t.predicate} {t.object} .\n" for t in triples)
    rows = tuple((python_value(t.subject), python_value(t.predicate), python_value(t.object)) for t in triples)
    return QueryResult("graph", ("subject", "predicate", "object"), rows, graph_nt=nt)
