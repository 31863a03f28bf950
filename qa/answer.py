"""The answer a question gets: text, the items it is about, the SPARQL and the sources."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

__all__ = ["Answer", "ItemRef", "Source"]


@dataclass(frozen=True)
class ItemRef:
    plan: str
    no: int
    title: str


@dataclass(frozen=True)
class Source:
    """The exact source sentence behind a number or deadline in the answer."""

    item: int
    text: str
    plan: str = ""


@dataclass(frozen=True)
class Answer:
    """A short Chinese answer with everything needed to check it.

    ``items`` are the items the answer is about, best first; ``sparql`` is the
    query that produced it (None for retrieval-only answers).
    """

    question: str
    answer: str
    intent: str
    items: tuple[ItemRef, ...] = ()
    entities: tuple[dict, ...] = ()
    sparql: str | None = None
    sources: tuple[Source, ...] = ()
    retrieval: str | None = field(default=None)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["items"] = [asdict(i) for i in self.items]
        data["sources"] = [{"item": s.item, "text": s.text, "plan": s.plan} for s in self.sources]
        data["entities"] = list(self.entities)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str)
