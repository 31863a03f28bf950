"""Facts → RDF, through rdflib (for files and SHACL) or pyoxigraph (for queries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ontology import ORG, PK, bind_prefixes

from .facts import Facts, Value

__all__ = ["EXTRA_TYPES", "to_oxigraph_quads", "to_rdflib"]

#: Standard classes each plankg class is also stated as, so clients that know
#: only org:, skos: or prov: still find the nodes.
EXTRA_TYPES: dict[str, tuple[str, ...]] = {
    "Agency": (str(ORG.Organization),),
    "AgencyGroup": (str(ORG.Organization),),
    "Domain": (str(SKOS.Concept),),
    "Plan": (str(PROV.Entity),),
}

_SPECIAL = {"source": str(DCTERMS.source), "altLabel": str(SKOS.altLabel)}


def _predicate(name: str) -> str:
    return _SPECIAL.get(name) or str(PK[name])


def _datatype(value: Value) -> str | None:
    """XSD datatype for a Python value; None for a Chinese string (tagged @zh)."""
    if isinstance(value, bool):
        return str(XSD.boolean)
    if isinstance(value, int):
        return str(XSD.integer)
    if isinstance(value, float):
        return str(XSD.decimal)
    if isinstance(value, dt.date):
        return str(XSD.date)
    return None


def _lexical(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, "f").rstrip("0").rstrip(".") if value % 1 else f"{int(value)}.0"  # canonical xsd:decimal
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# Literals that are text in Chinese carry @zh; identifiers and codes stay plain.
_PLAIN_STRINGS = {"source", "comparator", "city"}


def _triples(facts: Facts) -> Iterator[tuple[str, str, tuple[str, str | None, str | None] | str]]:
    """(subject, predicate, object) with object an IRI string or (lexical, datatype, lang)."""
    for node in facts.nodes.values():
        yield node.iri, str(RDF.type), str(PK[node.type])
        for extra in EXTRA_TYPES.get(node.type, ()):
            yield node.iri, str(RDF.type), extra
        yield node.iri, str(RDFS.label), (node.label, None, "zh")
        for name, value in node.attrs:
            datatype = _datatype(value)
            lang = None if datatype or name in _PLAIN_STRINGS else "zh"
            yield node.iri, _predicate(name), (_lexical(value), datatype, lang)
    for edge in facts.unique_edges():
        yield edge.source, str(PK[edge.predicate]), edge.target


def to_rdflib(facts: Facts, graph: Graph | None = None) -> Graph:
    """An rdflib graph of *facts*, with plankg's prefixes bound."""
    graph = bind_prefixes(graph if graph is not None else Graph())
    add = graph.add
    for subject, predicate, obj in _triples(facts):
        if isinstance(obj, str):
            term = URIRef(obj)
        else:
            lexical, datatype, lang = obj
            term = Literal(lexical, datatype=URIRef(datatype) if datatype else None, lang=lang)
        add((URIRef(subject), URIRef(predicate), term))
    return graph


def to_oxigraph_quads(facts: Facts, graph_name: ox.NamedNode | None = None) -> list[ox.Quad]:
    """pyoxigraph quads of *facts* in the default graph (or *graph_name*)."""
    named: dict[str, ox.NamedNode] = {}

    def node(iri: str) -> ox.NamedNode:
        found = named.get(iri)
        if found is None:
            found = named[iri] = ox.NamedNode(iri)
        return found

    context = graph_name or ox.DefaultGraph()
    quads = []
    for subject, predicate, obj in _triples(facts):
        if isinstance(obj, str):
            term = node(obj)
        else:
            lexical, datatype, lang = obj
            if lang:
                term = ox.Literal(lexical, language=lang)
            elif datatype:
                term = ox.Literal(lexical, datatype=node(datatype))
            else:
                term = ox.Literal(lexical)
        quads.append(ox.Quad(node(subject), node(predicate), term, context))
    return quads
