"""SPARQL stores: one small interface, an embedded Oxigraph store behind it.

The QA layer, the CLI and the app only call :meth:`Store.query` and
:meth:`Store.add`, so the engine can change (or be remote, see
:mod:`graph.remote`) without touching them. Both stores answer with the same
:class:`QueryResult` of plain Python values.

Why Oxigraph, measured by ``bench/scale.py`` (``bench/results/scale.json``): at
1,000 plans (1.8 million triples) pyoxigraph answers the analyst queries with a
p95 of 48 ms against 3.4 s for rdflib's in-memory SPARQL engine (65 ms through
oxrdflib), ingests 4.4 times as fast as rdflib and needs a third of its memory.
Oxigraph joins patterns mostly in the order written: start a query from its most
selective pattern and put a FILTER right after the pattern it tests (3 to 8 times
faster than the same query written the other way round).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import queue
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from ontology import SPARQL_PREFIXES

__all__ = ["EmbeddedStore", "QueryResult", "SparqlError", "SparqlSyntaxError", "Store",
           "from_oxigraph_result", "python_value", "shift_position", "with_prefixes"]

_XSD = "http://www.w3.org/2001/XMLSchema#"


class SparqlError(Exception):
    """A query could not be parsed or run; the message says where and why."""


class SparqlSyntaxError(SparqlError):
    """A query or update is not valid SPARQL; the message gives line and column in the user's text."""


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
        return literal_value(term.value, term.datatype.value)
    return term.value


def literal_value(text: str, datatype: str):
    """The Python value of a literal's lexical form and datatype IRI (the text when unknown).

    >>> literal_value("2023-06-30", _XSD + "date"), literal_value("x", _XSD + "integer")
    (datetime.date(2023, 6, 30), 'x')
    """
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
        if not path:
            self.oxigraph = ox.Store()
            return
        try:
            self.oxigraph = ox.Store(str(path))
        except OSError as error:
            hint = " (another process, e.g. a running `plankg endpoint`, has it open)" if "lock" in str(error).lower() else ""
            raise OSError(f"cannot open the store at {path}{hint}: {error}") from None

    def query(self, sparql: str) -> QueryResult:
        return from_oxigraph_result(self.raw_query(sparql))

    def raw_query(self, sparql: str):
        """The pyoxigraph result (lazy solutions, a boolean or lazy triples), prefixes predeclared.

        Raises :class:`SparqlError` on a syntax error, with the position in *sparql*.
        """
        try:
            return self.oxigraph.query(with_prefixes(sparql), use_default_graph_as_union=True)
        except SyntaxError as error:
            raise SparqlSyntaxError(shift_position(str(error))) from None
        except (OSError, ValueError, RuntimeError) as error:
            raise SparqlError(str(error)) from None

    def update(self, sparql: str) -> None:
        try:
            self.oxigraph.update(with_prefixes(sparql))
        except SyntaxError as error:
            raise SparqlSyntaxError(shift_position(str(error))) from None
        except (OSError, ValueError, RuntimeError) as error:
            raise SparqlError(str(error)) from None

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

    @contextlib.contextmanager
    def background_loader(self) -> Iterator[Callable[[bytes], None]]:
        """A function that loads N-Triples chunks while the caller prepares the next ones.

        pyoxigraph parses a file without holding the GIL, so each chunk goes
        through a temporary file and a loader thread: building facts in Python and
        indexing in Oxigraph then share the two cores. At most two chunks wait.

        >>> store = EmbeddedStore()
        >>> with store.background_loader() as load:
        ...     load(b'<http://e/a> <http://e/p> "1" .\\n')
        >>> len(store)
        1
        """
        folder = tempfile.TemporaryDirectory(prefix="plankg-load-")
        pending: queue.Queue[str | None] = queue.Queue(maxsize=2)
        errors: list[BaseException] = []
        load_file = self.oxigraph.bulk_load if self.path else self.oxigraph.load

        def work() -> None:
            while (path := pending.get()) is not None:
                try:
                    if not errors:
                        load_file(path=path, format=ox.RdfFormat.N_TRIPLES)
                except BaseException as error:  # re-raised in the caller's thread
                    errors.append(error)
                finally:
                    os.unlink(path)

        numbers = itertools.count()

        def load(chunk: bytes) -> None:
            if errors:
                raise errors[0]
            path = os.path.join(folder.name, f"{next(numbers)}.nt")
            with open(path, "wb") as handle:
                handle.write(chunk)
            pending.put(path)

        thread = threading.Thread(target=work, name="plankg-loader", daemon=True)
        thread.start()
        try:
            yield load
        finally:
            pending.put(None)
            thread.join()
            folder.cleanup()
        if errors:
            raise errors[0]


_PREFIX_LINES = SPARQL_PREFIXES.count("\n")


def shift_position(message: str) -> str:
    """Report parser positions relative to the user's query, not the predeclared prefixes.

    Understands Oxigraph's ``at LINE:COLUMN`` and Jena's ``line LINE, column COLUMN``.

    >>> shift_position(f"error at {_PREFIX_LINES + 2}:9: expected WHERE")
    'error at line 2, column 9: expected WHERE'
    >>> shift_position(f"Encountered \\"}}\\" at line {_PREFIX_LINES + 1}, column 20.")
    'Encountered "}" at line 1, column 20.'
    """

    def shift(match: re.Match[str]) -> str:
        line, column = (int(g) for g in match.groups() if g is not None)
        return f"at line {max(line - _PREFIX_LINES, 1)}, column {column}"

    return _POSITION.sub(shift, message)


_POSITION = re.compile(r"at (\d+):(\d+)|at line (\d+), column (\d+)")


def from_oxigraph_result(result) -> QueryResult:
    """A :class:`QueryResult` of Python values from a pyoxigraph query result."""
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
