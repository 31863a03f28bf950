"""Facts → RDF, through rdflib (for files and SHACL) or pyoxigraph (for queries)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ontology import ORG, PK, bind_prefixes

from .facts import Facts, Value

__all__ = ["EXTRA_TYPES", "ntriples_chunks", "to_ntriples", "to_oxigraph_quads", "to_rdflib"]

#: Standard classes each plankg class is also stated as, so clients that know
#: only org:, skos: or prov: still find the nodes.
EXTRA_TYPES: dict[str, tuple[str, ...]] = {
    "Agency": (str(ORG.Organization),),
    "AgencyGroup": (str(ORG.Organization),),
    "Domain": (str(SKOS.Concept),),
    "Plan": (str(PROV.Entity),),
}

_SPECIAL = {"source": str(DCTERMS.source), "altLabel": str(SKOS.altLabel)}


@functools.cache
def _predicate(name: str) -> str:
    return _SPECIAL.get(name) or str(PK[name])


@functools.cache
def _pk(name: str) -> str:
    return str(PK[name])


_DATATYPES: dict[type, str] = {bool: str(XSD.boolean), int: str(XSD.integer),
                               float: str(XSD.decimal), dt.date: str(XSD.date)}


def _datatype(value: Value) -> str | None:
    """XSD datatype for a Python value; None for a Chinese string (tagged @zh)."""
    found = _DATATYPES.get(type(value))
    if found is not None or type(value) is str:
        return found
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
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, "f").rstrip("0").rstrip(".") if value % 1 else f"{int(value)}.0"  # canonical xsd:decimal
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# Literals that are text in Chinese carry @zh; identifiers and codes stay plain.
_PLAIN_STRINGS = {"source", "comparator", "city"}

_RDF_TYPE, _RDFS_LABEL = str(RDF.type), str(RDFS.label)


@functools.cache
def _class_types(type_name: str) -> tuple[str, ...]:
    return (str(PK[type_name]), *EXTRA_TYPES.get(type_name, ()))


def _triples(facts: Facts) -> Iterator[tuple[str, str, tuple[str, str | None, str | None] | str]]:
    """(subject, predicate, object) with object an IRI string or (lexical, datatype, lang)."""
    for node in facts.nodes.values():
        iri = node.iri
        for class_iri in _class_types(node.type):
            yield iri, _RDF_TYPE, class_iri
        yield iri, _RDFS_LABEL, (node.label, None, "zh")
        for name, value in node.attrs:
            datatype = _datatype(value)
            lang = None if datatype or name in _PLAIN_STRINGS else "zh"
            yield iri, _predicate(name), (_lexical(value), datatype, lang)
    for edge in facts.unique_edges():
        yield edge.source, _pk(edge.predicate), edge.target


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _nt_text(text: str) -> str:
    """*text* as the body of an N-Triples string (quotes, backslashes, line breaks escaped)."""
    if '"' in text or "\\" in text or "\n" in text or "\r" in text:
        return text.translate(_NT_ESCAPES)
    return text


def _nt_tail(name: str, value: Value) -> str:
    """The predicate and object of an attr as N-Triples, ending the line."""
    if type(value) is str:
        suffix = "" if name in _PLAIN_STRINGS else "@zh"
    else:
        datatype = _datatype(value)
        suffix = ("" if name in _PLAIN_STRINGS else "@zh") if datatype is None else f"^^<{datatype}>"
        value = _lexical(value)
    return f'<{_predicate(name)}> "{_nt_text(value)}"{suffix} .\n'


def ntriples_chunks(facts: Facts, lines_per_chunk: int = 50_000) -> Iterator[bytes]:
    """*facts* as N-Triples (UTF-8) in chunks of whole lines, to load or send piece by piece."""
    lines: list[str] = []
    append = lines.append
    tails: dict[tuple[str, Value], str] = {}  # rendered attrs that recur (sources, rows, short codes)
    for node in facts.nodes.values():
        subject = f"<{node.iri}> "
        for class_iri in _class_types(node.type):
            append(f"{subject}<{_RDF_TYPE}> <{class_iri}> .\n")
        append(f'{subject}<{_RDFS_LABEL}> "{_nt_text(node.label)}"@zh .\n')
        for attr in node.attrs:
            tail = tails.get(attr)
            if tail is None:
                tail = _nt_tail(*attr)
                if type(attr[1]) is not str or len(attr[1]) < 40:
                    tails[attr] = tail
            append(subject + tail)
        if len(lines) >= lines_per_chunk:
            yield "".join(lines).encode()
            lines.clear()
    for edge in facts.unique_edges():
        append(f"<{edge.source}> <{_pk(edge.predicate)}> <{edge.target}> .\n")
        if len(lines) >= lines_per_chunk:
            yield "".join(lines).encode()
            lines.clear()
    if lines:
        yield "".join(lines).encode()


def to_ntriples(facts: Facts) -> bytes:
    """*facts* as N-Triples (UTF-8): the same triples as :func:`to_oxigraph_quads`.

    Loading this text into a store is several times faster than building
    :class:`pyoxigraph.Quad` objects one by one, so :class:`~graph.knowledge.KnowledgeGraph`
    fills its store this way.

    >>> from graph.facts import Node
    >>> facts = Facts({"http://e/a": Node("http://e/a", "Item", '说"明"', (("itemNo", 1),))})
    >>> print(to_ntriples(facts).decode(), end="")
    <http://e/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/plankg/ontology#Item> .
    <http://e/a> <http://www.w3.org/2000/01/rdf-schema#label> "说\\"明\\""@zh .
    <http://e/a> <https://w3id.org/plankg/ontology#itemNo> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
    """
    return b"".join(ntriples_chunks(facts))


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
