"""The knowledge graph: one set of facts, held in a SPARQL store, seen as RDF or NetworkX."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ingest import BUNDLED_PLAN, ParseResult, Plan, PlanFileError, read_plan
from ontology import PK

from .facts import Facts, Node, plans_facts
from .io import RdfFileFormat, read_rdf
from .network import to_networkx
from .rdf import to_oxigraph_quads, to_rdflib
from .store import EmbeddedStore, Store

__all__ = ["KnowledgeGraph", "RDF_SUFFIXES", "bundled_graph", "facts_from_rdf", "load_graph"]

RDF_SUFFIXES = {".ttl", ".nt", ".jsonld", ".json"}


@dataclass(eq=False)
class KnowledgeGraph:
    """Facts and the store that answers SPARQL over them.

    >>> kg = bundled_graph()
    >>> kg.store.query("SELECT (COUNT(?i) AS ?n) WHERE { ?i a pk:Item }").rows[0][0]
    11
    """

    facts: Facts
    store: Store
    plans: list[Plan] = field(default_factory=list)
    skipped: list = field(default_factory=list)
    _network: nx.MultiDiGraph | None = field(default=None, repr=False)
    _rdf: Graph | None = field(default=None, repr=False)

    @classmethod
    def from_plans(cls, plans: Sequence[Plan], store: Store | None = None) -> KnowledgeGraph:
        facts = plans_facts(plans)
        store = store if store is not None else EmbeddedStore()
        store.add(to_oxigraph_quads(facts))
        return cls(facts, store, list(plans))

    @classmethod
    def from_results(cls, results: Iterable[ParseResult], store: Store | None = None) -> KnowledgeGraph:
        results = list(results)
        kg = cls.from_plans([r.plan for r in results], store)
        kg.skipped = [s for r in results for s in r.skipped]
        return kg

    def network(self) -> nx.MultiDiGraph:
        if self._network is None:
            self._network = to_networkx(self.facts)
        return self._network

    def rdf(self) -> Graph:
        if self._rdf is None:
            self._rdf = to_rdflib(self.facts)
        return self._rdf

    def merged(self, plans: Sequence[Plan]) -> KnowledgeGraph:
        """A new graph with *plans* added (replacing plans of the same slug)."""
        slugs = {p.slug for p in plans}
        kept = [p for p in self.plans if p.slug not in slugs]
        return KnowledgeGraph.from_plans([*kept, *plans])


_DIRECT = {str(RDFS.label), str(RDF.type)}
_LITERAL_NAMES = {str(DCTERMS.source): "source", str(SKOS.altLabel): "altLabel"}


def facts_from_rdf(graph: Graph) -> Facts:
    """Facts read back from RDF (a graph loaded from a Turtle file), for NetworkX."""
    facts = Facts()
    types: dict[str, str] = {}
    for subject, obj in graph.subject_objects(RDF.type):
        if isinstance(obj, URIRef) and str(obj).startswith(str(PK)):
            types[str(subject)] = str(obj)[len(str(PK)):]
    for iri, type_name in types.items():
        subject = URIRef(iri)
        label = str(graph.value(subject, RDFS.label) or iri)
        attrs = []
        for predicate, obj in graph.predicate_objects(subject):
            p = str(predicate)
            if p in _DIRECT:
                continue
            if isinstance(obj, Literal):
                name = _LITERAL_NAMES.get(p) or (p[len(str(PK)):] if p.startswith(str(PK)) else None)
                if name:
                    attrs.append((name, obj.toPython()))
            elif p.startswith(str(PK)) and str(obj) in types:
                facts.link(iri, p[len(str(PK)):], str(obj))
        facts.add(Node(iri, type_name, label, tuple(attrs)))
    return facts


def load_graph(paths: Sequence[str | Path] | str | Path | None = None, *,
               store: Store | None = None) -> KnowledgeGraph:
    """A knowledge graph from plan files, RDF files, or the bundled plan when none are given.

    Raises :class:`~ingest.PlanFileError` when a file cannot be read.
    """
    if paths is None or paths == [] or paths == ():
        return bundled_graph() if store is None else KnowledgeGraph.from_results(
            [read_plan(BUNDLED_PLAN)], store)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    results, rdf_graphs = [], []
    for path in map(Path, paths):
        if path.suffix.lower() in RDF_SUFFIXES:
            if not path.exists():
                raise PlanFileError(str(path), "no such file")
            try:
                rdf_graphs.append(read_rdf(path))
            except Exception as error:  # rdflib raises many parser types
                raise PlanFileError(str(path), f"is not valid {RdfFileFormat.from_path(path).value}: {error}") from None
        else:
            results.append(read_plan(path))
    kg = KnowledgeGraph.from_results(results, store)
    for rdf_graph in rdf_graphs:
        kg.store.load(rdf_graph.serialize(format="nt", encoding="utf-8"), format="application/n-triples")
        extra = facts_from_rdf(rdf_graph)
        kg.facts.nodes.update(extra.nodes)
        kg.facts.edges.extend(extra.edges)
    return kg


@functools.cache
def _bundled() -> KnowledgeGraph:
    return KnowledgeGraph.from_results([read_plan(BUNDLED_PLAN)])


def bundled_graph() -> KnowledgeGraph:
    """The bundled Qingdao 2023 plan (parsed once per process)."""
    return _bundled()
