"""SHACL validation of a graph against plankg's shapes (pyshacl)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph

from ontology import ontology_graph, shapes_graph

__all__ = ["ValidationReport", "validate"]


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    text: str
    violations: int


def validate(data: Graph) -> ValidationReport:
    """Validate *data* with the shapes; the ontology supplies class hierarchy."""
    import pyshacl

    conforms, report_graph, text = pyshacl.validate(
        data, shacl_graph=shapes_graph(), ont_graph=ontology_graph(), inference="none",
        allow_warnings=True, advanced=True,
    )
    from rdflib.namespace import SH

    violations = sum(1 for _ in report_graph.subjects(SH.resultSeverity, SH.Violation))
    return ValidationReport(bool(conforms), text, violations)
