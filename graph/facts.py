"""Records → facts: the typed nodes and edges both graph forms are built from.

The RDF graph (:mod:`graph.rdf`) and the NetworkX graph (:mod:`graph.network`)
consume the same :class:`Facts`, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.records import AgencyKind, Item, Plan, Target
from ontology import ID, aliases

__all__ = ["Edge", "Facts", "Node", "plan_facts", "plans_facts"]

Value = str | int | float | bool | dt.date

_IRI_UNSAFE = re.compile(r"[\s<>\"{}|\\^`]")


_ID = str(ID)


def _iri(*parts: str | int) -> str:
    return _ID + "/".join(map(_safe, parts))


@functools.lru_cache(maxsize=8192)  # names, slugs and kinds recur in every item
def _safe(part: str | int) -> str:
    return _IRI_UNSAFE.sub("_", str(part))


@dataclass(frozen=True)
class Node:
    """A typed node. ``attrs`` keys are ontology property names (``itemNo``),
    or ``source`` (dcterms:source) and ``altLabel`` (skos:altLabel)."""

    iri: str
    type: str
    label: str
    attrs: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class Edge:
    source: str
    predicate: str
    target: str


@dataclass
class Facts:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    # iri → (the node it was built for, that node's attrs as a set): merging an
    # agency met in thousands of items then costs the new attrs, not all of them.
    _attr_sets: dict[str, tuple[Node, set]] = field(default_factory=dict, repr=False, compare=False)

    def add(self, node: Node) -> str:
        """Add *node*; a node already known keeps its type and label and gains new attrs."""
        known = self.nodes.get(node.iri)
        if known is None:
            self.nodes[node.iri] = node
        elif node.attrs:
            cached = self._attr_sets.get(node.iri)
            if cached is not None and cached[0] is known:
                seen = cached[1]
                new = tuple(dict.fromkeys(a for a in node.attrs if a not in seen))
                if not new:
                    return node.iri
                merged = known.attrs + new
                seen.update(new)
            else:
                merged = tuple(dict.fromkeys(known.attrs + node.attrs))
                seen = set(merged)
            merged_node = self.nodes[node.iri] = Node(known.iri, known.type, known.label, merged)
            self._attr_sets[node.iri] = (merged_node, seen)
        return node.iri

    def link(self, source: str, predicate: str, target: str) -> None:
        self.edges.append(Edge(source, predicate, target))

    def unique_edges(self) -> list[Edge]:
        return list(dict.fromkeys(self.edges))


def _alt_labels(label: str) -> tuple[tuple[str, Value], ...]:
    return _aliases_by_label().get(label, ())


@functools.cache
def _aliases_by_label() -> dict[str, tuple[tuple[str, Value], ...]]:
    """Canonical label → its ``altLabel`` attrs, in the order of ``aliases.tsv``."""
    table: dict[str, list[tuple[str, Value]]] = {}
    for alias, canonical in aliases().items():
        table.setdefault(canonical, []).append(("altLabel", alias))
    return {label: tuple(attrs) for label, attrs in table.items()}


def plan_iri(plan: Plan) -> str:
    return _iri("plan", plan.slug)


def item_iri(plan: Plan, item: Item) -> str:
    return _iri("plan", plan.slug, "item", item.no)


def _target_facts(facts: Facts, owner: str, targets: Iterable[Target], provenance) -> None:
    for seq, target in enumerate(targets, start=1):
        iri = facts.add(Node(f"{owner}/target/{seq}", "Target", f"{target.metric} {target.quantity}", (
            ("seq", seq), ("metric", target.metric), ("value", target.value),
            ("valueText", target.quantity), ("unit", target.unit),
            ("comparator", target.comparator.value), ("cumulative", target.cumulative),
            ("text", target.text), ("sourceText", target.text), *provenance,
        )))
        facts.link(owner, "target", iri)


def _mention_facts(facts: Facts, owner: str, item: str, plan: Plan, documents, places) -> None:
    for name in documents:
        iri = facts.add(Node(_iri("document", name), "PolicyDocument", name, (("source", plan.source),)))
        facts.link(owner, "mentions", iri)
        facts.link(item, "mentions", iri)
    for name in places:
        iri = facts.add(Node(_iri("place", plan.city or "_", name), "Place", name,
                             (("source", plan.source), *_alt_labels(name))))
        facts.link(owner, "mentions", iri)
        facts.link(item, "mentions", iri)


def _district(facts: Facts, plan: Plan, name: str) -> str:
    return facts.add(Node(_iri("district", plan.city or "_", name), "District", name))


def _item_facts(facts: Facts, plan: Plan, item: Item) -> None:
    plan_node = plan_iri(plan)
    provenance = (("source", plan.source), ("sourceRow", item.line))
    iri = facts.add(Node(item_iri(plan, item), "Item", item.title, (
        ("itemNo", item.no), ("continued", item.continued), ("leadInferred", item.lead_inferred),
        ("sourceText", item.source_text), *provenance,
    )))
    facts.link(plan_node, "item", iri)
    facts.link(iri, "plan", plan_node)
    domain = facts.add(Node(_iri("domain", item.domain), "Domain", item.domain,
                            (("source", plan.source), *_alt_labels(item.domain))))
    facts.link(iri, "domain", domain)
    for agency in item.agencies:
        agency_iri = facts.add(Node(
            _iri("agency", plan.city or "_", agency.name),
            "AgencyGroup" if agency.kind is AgencyKind.GROUP else "Agency",
            agency.name,
            (("source", plan.source), ("sourceRow", item.line),
             ("sourceText", item.agencies_text), *_alt_labels(agency.name)),
        ))
        for district in agency.covers:
            facts.link(agency_iri, "covers", _district(facts, plan, district))
        if agency.name in item.leads:
            facts.link(iri, "leadAgency", agency_iri)
        facts.link(iri, "responsibleAgency", agency_iri)
    for task in item.tasks:
        task_iri = facts.add(Node(f"{iri}/task/{task.seq}", "Task", task.text, (
            ("seq", task.seq), ("text", task.text), ("sourceText", task.text), *provenance)))
        facts.link(iri, "task", task_iri)
        _target_facts(facts, task_iri, task.targets, provenance)
        _mention_facts(facts, task_iri, iri, plan, task.documents, task.places)
    for milestone in item.milestones:
        ms_iri = facts.add(Node(
            f"{iri}/milestone/{milestone.seq}", "Milestone",
            f"{milestone.deadline_text}：{milestone.text}",
            (("seq", milestone.seq), ("deadline", milestone.deadline),
             ("deadlineText", milestone.deadline_text), ("text", milestone.text),
             ("sourceText", f"{milestone.deadline_text}，{milestone.text}"), *provenance),
        ))
        facts.link(iri, "milestone", ms_iri)
        _target_facts(facts, ms_iri, milestone.targets, provenance)
        _mention_facts(facts, ms_iri, iri, plan, milestone.documents, milestone.places)


def plan_facts(plan: Plan, facts: Facts | None = None) -> Facts:
    """Nodes and edges for one plan (added to *facts* when given).

    >>> from ingest import BUNDLED_PLAN, read_plan
    >>> facts = plan_facts(read_plan(BUNDLED_PLAN).plan)
    >>> sum(n.type == "Item" for n in facts.nodes.values())
    11
    """
    facts = facts if facts is not None else Facts()
    plan_node = facts.add(Node(plan_iri(plan), "Plan", plan.title, (
        ("city", plan.city), ("year", plan.year), ("source", plan.source), ("sourceRow", 1),
        ("sourceText", plan.title),
    )))
    for name in plan.districts:
        facts.link(plan_node, "district", _district(facts, plan, name))
    for item in plan.items:
        _item_facts(facts, plan, item)
    return facts


def plans_facts(plans: Iterable[Plan]) -> Facts:
    facts = Facts()
    for plan in plans:
        plan_facts(plan, facts)
    return facts
