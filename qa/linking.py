"""Entity linking: find the graph's agencies, domains, places and documents in a question.

Exact labels and ``skos:altLabel`` aliases are matched longest-first; an
agency-like word the graph does not know is checked against known names by its
core (市公安厅 → 市公安局) and otherwise reported as unknown, with the closest
known agencies as suggestions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ingest.text import normalize

from .tokens import tokenizer
from .vocabulary import Entity, Vocabulary

__all__ = ["Linked", "Mention", "Named", "link"]


@dataclass(frozen=True)
class Mention:
    entity: Entity
    surface: str
    start: int
    end: int
    how: str  # label, alias, near


@dataclass(frozen=True)
class Named:
    """One name in the question; several entities when plans of several cities share it
    (市公安局 of 青岛 and of 济南)."""

    label: str
    iris: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Linked:
    question: str
    mentions: tuple[Mention, ...]
    unknown_agencies: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()

    def of_kind(self, *kinds: str) -> list[Entity]:
        seen: dict[str, Entity] = {}
        for m in self.mentions:
            if m.entity.kind in kinds:
                seen.setdefault(m.entity.iri, m.entity)
        return list(seen.values())

    @property
    def agencies(self) -> list[Entity]:
        return self.of_kind("Agency", "AgencyGroup")

    @property
    def agency_names(self) -> list[Named]:
        """Agencies as named in the question: one per mention, however many cities share the name."""
        spans: dict[tuple[int, int], list[Entity]] = {}
        for m in self.mentions:
            if m.entity.is_agency:
                spans.setdefault((m.start, m.end), []).append(m.entity)
        named: dict[str, Named] = {}
        for entities in spans.values():
            label = entities[0].label
            iris = tuple(dict.fromkeys(e.iri for e in entities))
            if label in named:
                iris = tuple(dict.fromkeys(named[label].iris + iris))
            named[label] = Named(label, iris, entities[0].kind)
        return list(named.values())

    def rest(self) -> str:
        """The question with linked agencies blanked out (what is left describes the item)."""
        chars = list(self.question)
        for m in self.mentions:
            if not m.entity.is_agency:
                continue
            chars[m.start : m.end] = [" "] * (m.end - m.start)
        return "".join(chars)


_AGENCY_END = re.compile(r"(?:委员会|办公室|局|委|厅|支队|总队|政府|集团|中心|管委会|部门)$")
# "公安部门" may name a known agency by its core; it is never reported as an unknown agency.
_GENERIC_END = re.compile(r"部门$")
_STOP_TOKENS = {"请问", "我想知道", "想问", "那么", "那", "由", "和", "与", "跟", "同", "及", "或", "是", "的",
                "了", "让", "给", "在", "对", "看看", "查询", "查一下", "问下", "哪些", "哪个", "什么", "牵头",
                "参与", "负责", "一起", "共同", "都", "也"}
_AGENCY_AFFIX = re.compile(r"^(?:市|省|区|县)|(?:委员会|办公室|局|委|厅|支队|总队|政府|集团|中心|部门)$")
_NOT_AGENCY = {"哪个局", "哪些局", "什么局", "哪个委", "哪个单位", "哪个部门", "哪些单位", "政府"}


def _core(name: str) -> str:
    return _AGENCY_AFFIX.sub("", _AGENCY_AFFIX.sub("", name))


def agency_like_spans(question: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans of words that look like agency names (…局, …委, …政府), by jieba segmentation.

    A name split by jieba (市 / 审计局) is joined back over its leading tokens.
    """
    tokens = list(tokenizer(words).tokenize(question))
    spans = []
    for index, (token, _start, end) in enumerate(tokens):
        if not _AGENCY_END.search(token) or token in _NOT_AGENCY:
            continue
        first = index
        while first > 0 and tokens[first - 1][0] not in _STOP_TOKENS and re.fullmatch(
                r"[\u4e00-\u9fff()]+", tokens[first - 1][0]) and index - first < 4:
            first -= 1
        spans.append((tokens[first][1], end))
    return spans


def _exact_mentions(question: str, vocab: Vocabulary) -> list[Mention]:
    found = []
    for surface, entities in vocab.surfaces.items():
        start = question.find(surface)
        while start >= 0:
            for entity in entities:
                how = "label" if surface == entity.label else "alias"
                found.append(Mention(entity, surface, start, start + len(surface), how))
            start = question.find(surface, start + 1)
    # Longest surfaces win; a shorter one inside a longer one is dropped.
    found.sort(key=lambda m: (-(m.end - m.start), m.start, m.how != "label"))
    kept: list[Mention] = []
    for mention in found:
        overlaps = [k for k in kept if k.start < mention.end and mention.start < k.end]
        if not overlaps or all(k.start == mention.start and k.end == mention.end for k in overlaps):
            kept.append(mention)
    return sorted(kept, key=lambda m: m.start)


def link(question: str, vocab: Vocabulary) -> Linked:
    """Link the entities a question names.

    Only the labels and aliases of *vocab* are matched, so a graph of another
    city links its own agencies with no code change.
    """
    question = normalize(question)
    mentions = _exact_mentions(question, vocab)
    covered = [(m.start, m.end) for m in mentions]
    agencies = vocab.of_kind("Agency", "AgencyGroup")
    agency_surfaces = {s: es for s, es in vocab.surfaces.items() if any(e.is_agency for e in es)}
    unknown, suggestions = [], []
    for start, end in agency_like_spans(question, tuple(sorted(vocab.surfaces))):
        if any(a < end and start < b for a, b in covered):
            continue
        name = question[start:end]
        if len(name) < 3 or name in _NOT_AGENCY or name.startswith(("哪", "什么", "各个")):
            continue
        core = _core(name)
        near = [e for s, es in agency_surfaces.items() for e in es if core and _core(s) == core]
        near = near or [e for s, es in agency_surfaces.items() for e in es
                        if len(core) >= 3 and len(_core(s)) >= 3 and (core in _core(s) or _core(s) in core)]
        if near:
            mentions.append(Mention(near[0], name, start, end, "near"))
            continue
        best = process.extractOne(name, [a.label for a in agencies], scorer=fuzz.ratio)
        if best and best[1] >= 85 and len(name) >= 5:
            entity = next(a for a in agencies if a.label == best[0])
            mentions.append(Mention(entity, name, start, end, "near"))
            continue
        if _GENERIC_END.search(name):
            continue
        unknown.append(name)
        close = process.extract(name, [a.label for a in agencies if a.kind == "Agency"],
                                scorer=fuzz.WRatio, limit=3)
        suggestions.extend(label for label, score, _ in close if score >= 40)
    return Linked(question, tuple(sorted(mentions, key=lambda m: m.start)), tuple(unknown),
                  tuple(dict.fromkeys(suggestions)))
