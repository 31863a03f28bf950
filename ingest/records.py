"""Plain records that ingestion produces and every graph builder consumes.

They are frozen dataclasses: the one source of truth from which both the RDF
graph and the NetworkX graph are built.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "AgencyKind",
    "AgencyRef",
    "Comparator",
    "Item",
    "Milestone",
    "ParseResult",
    "Plan",
    "SkippedRow",
    "Target",
    "Task",
]


class Comparator(StrEnum):
    AT_LEAST = ">="
    AT_MOST = "<="
    EQUAL = "="


class AgencyKind(StrEnum):
    AGENCY = "Agency"
    GROUP = "AgencyGroup"


@dataclass(frozen=True)
class Target:
    """A quantitative target, e.g. 累计拆除不少于180万平方米违建.

    ``value`` has 万/亿 multiplied out; ``quantity`` keeps the source words
    (不少于180万平方米) so answers can quote them.
    """

    metric: str
    value: float
    unit: str
    comparator: Comparator
    cumulative: bool
    quantity: str
    text: str


@dataclass(frozen=True)
class Task:
    seq: int
    text: str
    targets: tuple[Target, ...] = ()
    documents: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class Milestone:
    seq: int
    deadline: dt.date
    deadline_text: str
    text: str
    targets: tuple[Target, ...] = ()
    documents: tuple[str, ...] = ()
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgencyRef:
    """A responsible unit as listed for an item.

    ``covers`` names the districts a collective unit or a district government
    acts for.
    """

    name: str
    kind: AgencyKind = AgencyKind.AGENCY
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    no: int
    title: str
    continued: bool
    domain: str
    agencies: tuple[AgencyRef, ...]
    leads: tuple[str, ...]
    lead_inferred: bool
    tasks: tuple[Task, ...]
    milestones: tuple[Milestone, ...]
    line: int
    source_text: str
    agencies_text: str = ""

    @property
    def documents(self) -> tuple[str, ...]:
        seen = dict.fromkeys(d for part in (*self.tasks, *self.milestones) for d in part.documents)
        return tuple(seen)

    @property
    def places(self) -> tuple[str, ...]:
        seen = dict.fromkeys(p for part in (*self.tasks, *self.milestones) for p in part.places)
        return tuple(seen)


@dataclass(frozen=True)
class Plan:
    slug: str
    title: str
    city: str
    year: int
    source: str
    items: tuple[Item, ...]
    districts: tuple[str, ...] = ()


@dataclass(frozen=True)
class SkippedRow:
    """A row that could not be read, and why (in words a user can act on)."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


@dataclass(frozen=True)
class ParseResult:
    plan: Plan
    skipped: tuple[SkippedRow, ...] = field(default=())
