"""The SPARQL engines the scale benchmark compares, each behind plankg's Store interface.

- ``pyoxigraph``: :class:`graph.store.EmbeddedStore`, filled the way plankg fills it
  (facts → N-Triples → Oxigraph, loading while the next plans are read);
- ``rdflib``: rdflib's in-memory graph and its pure-Python SPARQL engine, filled
  with :func:`graph.rdf.to_rdflib`;
- ``oxrdflib``: an rdflib ``Graph(store="Oxigraph")``: rdflib's API over Oxigraph,
  filled with oxrdflib's N-Triples parser, queried through rdflib.

:class:`RdflibStore` answers with the same :class:`~graph.store.QueryResult`
values as the embedded store, so the analyst queries and ``qa.answer`` run
unchanged on every engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from graph.facts import Facts, plan_facts
from graph.knowledge import KnowledgeGraph
from graph.rdf import to_ntriples, to_rdflib
from graph.store import QueryResult, SparqlError, literal_value, with_prefixes
from ingest import read_plan
from ontology import bind_prefixes

__all__ = ["ENGINES", "RdflibStore", "build"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
ENGINES = ("pyoxigraph", "rdflib", "oxrdflib")


def _value(term):
    """The Python value :func:`graph.store.python_value` gives for the same term."""
    if term is None:
        return None
    if isinstance(term, Literal):
        return literal_value(str(term), str(term.datatype) if term.datatype else "")
    if isinstance(term, (URIRef, BNode)):
        return str(term)
    return str(term)


class RdflibStore:
    """An rdflib graph (in memory, or on Oxigraph through oxrdflib) as a plankg Store."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def query(self, sparql: str) -> QueryResult:
        try:
            result = self.graph.query(with_prefixes(sparql))
        except Exception as error:  # rdflib and oxrdflib raise many parser types
            raise SparqlError(str(error)) from None
        if result.type == "ASK":
            return QueryResult("ask", boolean=bool(result.askAnswer))
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            triples = list(result.graph)
            nt = "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in triples)
            rows = tuple((_value(s), _value(p), _value(o)) for s, p, o in triples)
            return QueryResult("graph", ("subject", "predicate", "object"), rows, graph_nt=nt)
        variables = tuple(str(v) for v in result.vars)
        rows = tuple(tuple(_value(row[v]) for v in result.vars) for row in result)
        return QueryResult("select", variables, rows)

    def add(self, quads) -> None:
        raise NotImplementedError("the benchmark fills rdflib graphs from facts")

    def load(self, data: bytes | str, *, format: str = "text/turtle") -> None:
        self.graph.parse(data=data, format="nt" if "n-triples" in format else "turtle")

    def clear(self) -> None:
        self.graph.remove((None, None, None))

    def __len__(self) -> int:
        return len(self.graph)


def build(engine: str, paths: Iterable[Path]) -> KnowledgeGraph:
    """A knowledge graph of the plan files at *paths* on *engine*; reading the files is part of it."""
    if engine == "pyoxigraph":
        return KnowledgeGraph.from_results(read_plan(path) for path in paths)
    plans = [read_plan(path).plan for path in paths]
    facts = Facts()
    for plan in plans:
        plan_facts(plan, facts)
    if engine == "rdflib":
        graph = to_rdflib(facts)
    elif engine == "oxrdflib":
        graph = bind_prefixes(Graph(store="Oxigraph"))
        graph.parse(data=to_ntriples(facts), format="ox-nt")
    else:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    return KnowledgeGraph(facts, RdflibStore(graph), plans)
