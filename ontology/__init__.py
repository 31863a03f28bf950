"""Terms, shapes and editable tables of the plankg ontology.

Everything Chinese that code needs to know (aliases, districts, places, lead
overrides) lives in the TSV files beside this module, so they can be edited
without touching code.

>>> PK.Item
rdflib.term.URIRef('https://w3id.org/plankg/ontology#Item')
>>> canonical_alias("卫健委")
'市卫生健康委'
"""

from __future__ import annotations

import functools
from collections import defaultdict
from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

__all__ = [
    "ID",
    "ORG",
    "PK",
    "PREFIXES",
    "SPARQL_PREFIXES",
    "aliases",
    "bind_prefixes",
    "canonical_alias",
    "districts_of",
    "lead_overrides",
    "ontology_graph",
    "places_of",
    "shapes_graph",
]

HERE = Path(__file__).parent
PK = Namespace("https://w3id.org/plankg/ontology#")
ID = Namespace("https://w3id.org/plankg/id/")
ORG = Namespace("http://www.w3.org/ns/org#")

#: Every prefix plankg writes or predeclares, bound once here (no invented ns1:).
PREFIXES: dict[str, str] = {
    "pk": str(PK),
    "pkid": str(ID),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "org": str(ORG),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
}

SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def bind_prefixes(graph: Graph) -> Graph:
    """Bind plankg's prefixes on *graph*, replacing any rdflib defaults."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def _rows(name: str) -> list[list[str]]:
    """Non-comment, non-blank rows of a TSV file beside this module."""
    rows = []
    for line in (HERE / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append([cell.strip() for cell in line.split("\t")])
    return rows


@functools.cache
def aliases() -> dict[str, str]:
    """Alias → canonical label, from ``aliases.tsv``."""
    return {row[0]: row[1] for row in _rows("aliases.tsv") if len(row) >= 2}


def canonical_alias(name: str) -> str | None:
    """The canonical label an alias stands for, or None."""
    return aliases().get(name)


@functools.cache
def _grouped(name: str) -> dict[str, tuple[str, ...]]:
    """First column → the values of the second, from a two-column TSV beside this module."""
    table: dict[str, list[str]] = defaultdict(list)
    for row in _rows(name):
        table[row[0]].append(row[1])
    return {key: tuple(values) for key, values in table.items()}


def districts_of(city: str) -> tuple[str, ...]:
    """Districts and county-level cities of *city* (empty when unknown).

    >>> districts_of("青岛")[:3]
    ('市南区', '市北区', '李沧区')
    """
    return _grouped("districts.tsv").get(city, ())


def known_cities() -> tuple[str, ...]:
    """Cities the district gazetteer knows."""
    return tuple(_grouped("districts.tsv"))


def places_of(city: str) -> tuple[str, ...]:
    """Named places of *city* from the gazetteer."""
    return _grouped("places.tsv").get(city, ())


@functools.cache
def lead_overrides() -> dict[tuple[str, int], tuple[str, ...]]:
    """(plan slug, item number) → lead agencies confirmed by hand."""
    table = {}
    for row in _rows("lead_overrides.tsv"):
        if len(row) >= 3 and row[1].isdigit():
            table[(row[0], int(row[1]))] = tuple(n for n in row[2].split("、") if n)
    return table


@functools.cache
def ontology_graph() -> Graph:
    """The OWL ontology (``plankg.ttl``)."""
    return bind_prefixes(Graph()).parse(HERE / "plankg.ttl", format="turtle")


@functools.cache
def shapes_graph() -> Graph:
    """The SHACL shapes (``shapes.ttl``)."""
    return Graph().parse(HERE / "shapes.ttl", format="turtle")
