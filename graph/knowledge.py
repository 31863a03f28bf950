"""The knowledge graph: one set of facts, held in a SPARQL store, seen as RDF or NetworkX."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ingest import BUNDLED_PLAN, ParseResult, Plan, PlanFileError, SkippedRow, read_plan
from ontology import PK, bind_prefixes

from .facts import Facts, Node, plan_facts
from .io import RdfFileFormat, atomic_write, read_rdf
from .network import to_networkx
from .rdf import ntriples_chunks, to_rdflib
from .store import EmbeddedStore, Store

__all__ = ["KnowledgeGraph", "RDF_SUFFIXES", "StoreGraph", "bundled_graph", "facts_from_rdf", "load_graph",
           "persistent_graph"]

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
        return cls.from_results((ParseResult(plan) for plan in plans), store)

    @classmethod
    def from_results(cls, results: Iterable[ParseResult], store: Store | None = None) -> KnowledgeGraph:
        """A graph of parse results, which may be a generator that reads files as it goes.

        The store is filled batch by batch while later plans are still being read;
        if reading fails half-way, a store passed in keeps the plans loaded so far.
        """
        store = store if store is not None else EmbeddedStore()
        facts, plans, skipped = _build(results, store)
        return cls(facts, store, plans, skipped)

    @classmethod
    def from_store(cls, store: Store) -> StoreGraph:
        """A graph over a store that already holds one (remote, or persistent on disk).

        Queries go straight to the store; facts, RDF and the NetworkX view are
        read from it with a CONSTRUCT only when first needed. ``plans`` is empty:
        the records stay with whoever loaded the store.

        >>> kg = KnowledgeGraph.from_store(bundled_graph().store)
        >>> len(kg.network()) == len(bundled_graph().network())
        True
        """
        return StoreGraph(None, store)

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


class StoreGraph(KnowledgeGraph):
    """A :class:`KnowledgeGraph` whose facts live in its store and are read back lazily."""

    @property
    def facts(self) -> Facts:
        if self._store_facts is None:
            self._store_facts = facts_from_rdf(self.rdf())
        return self._store_facts

    @facts.setter
    def facts(self, value: Facts | None) -> None:
        self._store_facts = value  # None: read from the store when first needed

    def rdf(self) -> Graph:
        if self._rdf is None:
            data = self.store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").graph_nt
            self._rdf = bind_prefixes(Graph()).parse(data=data, format="nt")
        return self._rdf

    def merged(self, plans: Sequence[Plan]) -> KnowledgeGraph:
        raise TypeError(
            "a graph read from a store has no plan records to merge with; load the new plans "
            "into the store instead: load_graph(paths, store=kg.store)")

    def __repr__(self) -> str:
        return f"StoreGraph(store={self.store!r})"


_PLANS_PER_BATCH = 8


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building millions of acyclic records,
    then move them out of its sight (``gc.freeze``).

    At 1,000 plans the collector otherwise rescans the growing facts again and
    again and takes more than half of the build time, and afterwards a full
    collection (about a million records) stalls a query for 0.7 s now and then.
    Records and facts hold no reference cycles, so reference counting still
    frees them when the graph is dropped.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _ntriples_sink(store: Store):
    if isinstance(store, EmbeddedStore):
        return store.background_loader()
    return contextlib.nullcontext(lambda chunk: store.load(chunk, format="application/n-triples"))


def _build(results: Iterable[ParseResult], store: Store) -> tuple[Facts, list[Plan], list[SkippedRow]]:
    """Facts of *results*, loaded into *store* a batch of plans at a time as they are read.

    The facts equal ``plans_facts(plans)``: a batch's facts are merged in order,
    and its triples are those of its nodes (the store keeps one copy of a triple
    that two batches state).
    """
    facts: Facts | None = None
    plans: list[Plan] = []
    skipped: list[SkippedRow] = []
    with _gc_paused(), _ntriples_sink(store) as send:
        batch = Facts()
        for result in results:
            plans.append(result.plan)
            skipped.extend(result.skipped)
            plan_facts(result.plan, batch)
            if len(plans) % _PLANS_PER_BATCH == 0:
                facts = _flush(batch, facts, send)
                batch = Facts()
        if batch.nodes or facts is None:
            facts = _flush(batch, facts, send)
    return facts, plans, skipped


def _flush(batch: Facts, facts: Facts | None, send) -> Facts:
    for chunk in ntriples_chunks(batch):
        send(chunk)
    if facts is None:
        return batch
    for node in batch.nodes.values():
        facts.add(node)
    facts.edges.extend(batch.edges)
    return facts


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
    plan_paths, rdf_graphs = [], []
    for path in map(Path, paths):
        if path.suffix.lower() in RDF_SUFFIXES:
            if not path.exists():
                raise PlanFileError(str(path), "no such file")
            try:
                rdf_graphs.append(read_rdf(path))
            except Exception as error:  # rdflib raises many parser types
                raise PlanFileError(str(path), f"is not valid {RdfFileFormat.from_path(path).value}: {error}") from None
        else:
            plan_paths.append(path)
    # Plans are read while the store loads the ones before (see KnowledgeGraph.from_results).
    kg = KnowledgeGraph.from_results((read_plan(path) for path in plan_paths), store)
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


_SOURCES_FILE = "sources.json"


def _fingerprint(paths: Sequence[Path]) -> dict:
    """What a persistent store was built from: each plan file and ontology table, by size and time."""
    from ontology import HERE as ONTOLOGY

    files = [*paths, *sorted(ONTOLOGY.glob("*.tsv"))]
    return {"format": 1, "files": [[str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in files]}


def persistent_graph(folder: str | Path, paths: Sequence[str | Path] | None = None, *,
                     rebuild: bool = False) -> KnowledgeGraph:
    """A graph kept on disk in *folder*, so a large graph is not re-ingested at every start.

    The first call (or one whose plan files or ontology tables changed since,
    or ``rebuild=True``) ingests *paths* (default: the bundled plan) into an
    Oxigraph store in ``folder/oxigraph``; later calls reopen it as a
    :class:`StoreGraph` in well under a second. Only one process can open a
    folder at a time.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in paths] if paths else [BUNDLED_PLAN]
    for path in paths:
        if not path.exists():
            raise PlanFileError(str(path), "no such file")
    wanted = _fingerprint(paths)
    sources = folder / _SOURCES_FILE
    store = EmbeddedStore(folder / "oxigraph")
    if not rebuild and sources.exists() and json.loads(sources.read_text(encoding="utf-8")) == wanted:
        return KnowledgeGraph.from_store(store)
    sources.unlink(missing_ok=True)  # a build that fails half-way is redone next time
    store.clear()
    kg = load_graph(paths, store=store)
    store.oxigraph.flush()
    atomic_write(sources, json.dumps(wanted, ensure_ascii=False, indent=1).encode())
    return kg
