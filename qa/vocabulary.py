"""What the graph can be asked about: entities with their surface forms, items with their text.

Built once per graph from SPARQL alone, so it works on any store.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from graph import KnowledgeGraph
from ingest.text import normalize

from .queries import ENTITIES, ITEM_PASSAGES, ITEMS

__all__ = ["Entity", "ItemInfo", "Passage", "Vocabulary", "build_vocabulary"]


@dataclass(frozen=True)
class Entity:
    iri: str
    kind: str  # Agency, AgencyGroup, Domain, Place, PolicyDocument, District
    label: str

    @property
    def is_agency(self) -> bool:
        return self.kind in ("Agency", "AgencyGroup")


@dataclass(frozen=True)
class ItemInfo:
    iri: str
    plan: str
    plan_title: str
    city: str
    year: int
    no: int
    title: str
    domain: str
    continued: bool


@dataclass(frozen=True)
class Passage:
    item: str  # item IRI
    kind: str  # title, task, milestone
    text: str


@dataclass
class Vocabulary:
    surfaces: dict[str, list[Entity]] = field(default_factory=lambda: defaultdict(list))
    entities: dict[str, Entity] = field(default_factory=dict)
    items: dict[str, ItemInfo] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)

    def add_surface(self, surface: str, entity: Entity) -> None:
        surface = normalize(surface)
        if len(surface) >= 2 and entity not in self.surfaces[surface]:
            self.surfaces[surface].append(entity)

    def of_kind(self, *kinds: str) -> list[Entity]:
        return [e for e in self.entities.values() if e.kind in kinds]

    @property
    def cities(self) -> set[str]:
        return {i.city for i in self.items.values() if i.city}


def build_vocabulary(kg: KnowledgeGraph) -> Vocabulary:
    """Entities, items and passages of *kg*, read with SPARQL."""
    vocab = Vocabulary()
    for iri, kind, label, alt in kg.store.query(ENTITIES).rows:
        entity = vocab.entities.get(iri)
        if entity is None:
            entity = vocab.entities[iri] = Entity(iri, kind, label)
            vocab.add_surface(label, entity)
        if alt:
            vocab.add_surface(alt, entity)
    for iri, plan, plan_title, city, year, no, title, domain, continued in kg.store.query(ITEMS).rows:
        vocab.items[iri] = ItemInfo(iri, plan.rsplit("/", 1)[-1], plan_title, city or "", int(year or 0),
                                    int(no), title, domain, bool(continued))
        vocab.passages.append(Passage(iri, "title", title))
    for item, kind, text in kg.store.query(ITEM_PASSAGES).rows:
        vocab.passages.append(Passage(item, kind, text))
    return vocab
