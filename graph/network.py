"""Facts → NetworkX: a MultiDiGraph of typed nodes and labelled edges."""

from __future__ import annotations

import datetime as dt

import networkx as nx

from .facts import Facts

__all__ = ["EDGE_LABELS", "to_networkx"]

#: Chinese labels of the edge kinds, for diagrams.
EDGE_LABELS: dict[str, str] = {
    "item": "事项", "plan": "所属计划", "task": "任务", "milestone": "进度节点", "target": "目标",
    "leadAgency": "牵头", "responsibleAgency": "参与", "domain": "领域", "covers": "覆盖",
    "mentions": "提及", "district": "所辖区(市)",
}


def _plain(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def to_networkx(facts: Facts) -> nx.MultiDiGraph:
    """A MultiDiGraph keyed by IRI; nodes carry ``type`` and ``label``, edges ``predicate``.

    Multi-valued attributes (several source rows of a shared agency) keep their
    first value, so every attribute is a plain scalar that GraphML can write.
    """
    graph = nx.MultiDiGraph()
    for node in facts.nodes.values():
        attrs: dict[str, object] = {}
        for name, value in node.attrs:
            attrs.setdefault(name, _plain(value))
        graph.add_node(node.iri, type=node.type, label=node.label, **attrs)
    for edge in facts.unique_edges():
        graph.add_edge(edge.source, edge.target, key=edge.predicate,
                       predicate=edge.predicate, label=EDGE_LABELS.get(edge.predicate, edge.predicate))
    return graph
