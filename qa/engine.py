"""Question → intent → SPARQL → answer.

:class:`QAEngine` links entities and reads time, then tries an explicit,
ordered list of strategies; each returns an :class:`~qa.answer.Answer` or None.
Every fact in an answer comes from a SPARQL query over the store.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from graph import KnowledgeGraph
from graph.store import QueryResult
from ingest.deadlines import chinese_number
from ingest.text import normalize

from . import queries as Q
from .answer import Answer, ItemRef, Source
from .grammar import CUES, has
from .linking import Linked, Named, link
from .retrieval import Hit, Retriever, expand_query
from .temporal import TimeSpec, read_time
from .vocabulary import Entity, ItemInfo, Passage, Vocabulary, build_vocabulary

__all__ = ["Ask", "QAEngine"]

MAX_LISTED = 30


@dataclass(frozen=True)
class Ask:
    """A question as the strategies see it."""

    text: str
    linked: Linked
    time: TimeSpec | None
    scope: frozenset[str] | None  # item IRIs, when the question names a city or year
    numbered: tuple[str, ...] = ()  # item IRIs the question names by number (事项3, 第三项)

    @property
    def rest(self) -> str:
        return self.linked.rest()


def _fmt_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class QAEngine:
    """Answers questions over one knowledge graph; build once, ask many times."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self.vocab: Vocabulary = build_vocabulary(kg)
        self._retriever: Retriever | None = None
        years = Counter(i.year for i in self.vocab.items.values() if i.year)
        self.plan_year = years.most_common(1)[0][0] if years else dt.date.today().year
        self.multi_plan = len({i.plan for i in self.vocab.items.values()}) > 1

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever(self.vocab)
        return self._retriever

    # ------------------------------------------------------------------ entry
    def answer(self, question: str, *, as_of: dt.date | None = None,
               context: Answer | None = None) -> Answer:
        text = normalize(question or "").strip(" ？?。!！")
        if not text:
            return Answer(question, "请输入一个问题，例如：市公安局牵头哪些事项？", "empty")
        linked = link(text, self.vocab)
        if context is not None and has("follow_up", text):
            rewritten = self._rewrite_follow_up(text, linked, context)
            if rewritten:
                follow = self.answer(rewritten, as_of=as_of)
                return replace(follow, question=question)
        today = as_of or dt.date.today()
        scope = self._scope(text)
        ask = Ask(text, linked, read_time(text, plan_year=self.plan_year, today=today), scope,
                  self._numbered(text, scope))
        for strategy in STRATEGIES:
            result = strategy(self, ask)
            if result is not None:
                return replace(result, question=question, entities=self._entities(linked))
        raise AssertionError("the refusal strategy always answers")

    # ------------------------------------------------------------------ helpers
    def _entities(self, linked: Linked) -> tuple[dict, ...]:
        return tuple({"iri": m.entity.iri, "kind": m.entity.kind, "label": m.entity.label,
                      "surface": m.surface, "how": m.how} for m in linked.mentions)

    def _rewrite_follow_up(self, text: str, linked: Linked, context: Answer) -> str | None:
        residue = text
        for mention in linked.mentions:
            residue = residue.replace(mention.surface, "")
        time = read_time(text, plan_year=self.plan_year, today=dt.date.today())
        if time:
            residue = residue.replace(time.text, "")
        residue = re.sub(r"那么|那|呢|还有|另外|换成|如果是|的|情况|怎么样|怎样|如何|又|是|[？?，,。]", "", residue)
        if len(residue) > 3:  # a whole new question, not a follow-up
            return None
        new_question = context.question
        changed = False
        for mention in linked.mentions:
            group = "agency" if mention.entity.is_agency else mention.entity.kind
            for old in context.entities:
                old_group = "agency" if old["kind"] in ("Agency", "AgencyGroup") else old["kind"]
                if old_group == group and old["surface"] in new_question:
                    new_question = new_question.replace(old["surface"], mention.surface, 1)
                    changed = True
                    break
        new_time = read_time(text, plan_year=self.plan_year, today=dt.date.today())
        old_time = read_time(new_question, plan_year=self.plan_year, today=dt.date.today())
        if new_time and old_time:
            new_question = new_question.replace(old_time.text, new_time.text, 1)
            changed = True
        return new_question if changed else None

    def _scope(self, text: str) -> frozenset[str] | None:
        if not self.multi_plan:
            return None
        items = list(self.vocab.items.values())
        cities = [c for c in self.vocab.cities if c in text]
        years = [int(y) for y in re.findall(r"((?:19|20)\d{2})年", text)]
        if cities:
            items = [i for i in items if i.city in cities]
        if years:
            items = [i for i in items if i.year in years]
        return frozenset(i.iri for i in items) if (cities or years) else None

    def _numbered(self, text: str, scope: frozenset[str] | None) -> tuple[str, ...]:
        numbers = []
        for match in CUES["item_number"].finditer(text):
            raw = next(g for g in match.groups() if g)
            numbers.append(chinese_number(raw))
        return tuple(i.iri for n in numbers for i in self.vocab.items.values()
                     if i.no == n and (scope is None or i.iri in scope))

    def run(self, sparql: str) -> QueryResult:
        return self.kg.store.query(sparql)

    def item_refs(self, iris: Sequence[str], ask: Ask | None = None) -> list[ItemInfo]:
        infos = [self.vocab.items[i] for i in dict.fromkeys(iris) if i in self.vocab.items]
        if ask is not None and ask.scope is not None:
            infos = [i for i in infos if i.iri in ask.scope]
        return infos

    def item_line(self, info: ItemInfo) -> str:
        prefix = f"〔{info.city}{info.year}〕" if self.multi_plan else ""
        return f"{prefix}{info.no}. {info.title}"

    def items_answer(self, ask: Ask, intent: str, sparql: str, header: str, *,
                     empty: str, rows: QueryResult | None = None) -> Answer:
        rows = rows if rows is not None else self.run(sparql)
        infos = self.item_refs(rows.column("item"), ask)
        if not infos:
            return Answer(ask.text, empty, intent, sparql=sparql)
        lines = [self.item_line(i) for i in infos[:MAX_LISTED]]
        more = f"\n……等共{len(infos)}项" if len(infos) > MAX_LISTED else ""
        text = f"{header}共{len(infos)}项：\n" + "\n".join(lines) + more
        return Answer(ask.text, text, intent, items=_refs(infos), sparql=sparql,
                      sources=_title_sources(infos[:MAX_LISTED]))

    def resolve_items(self, ask: Ask, *, limit: int = 1) -> list[Hit]:
        """Items the question refers to by number (事项3) or description (违建治理, 僵尸车整治)."""
        if ask.numbered:
            return [Hit(iri, 1.0, Passage(iri, "title", self.vocab.items[iri].title), 1.0)
                    for iri in ask.numbered[:limit]]
        mentioned = ask.linked.of_kind("Place", "PolicyDocument")
        if mentioned:
            rows = self.run(Q.items_mentioning([e.iri for e in mentioned]))
            iris = [i.iri for i in self.item_refs(rows.column("item"), ask)]
            if iris:
                hits = self.retriever.search(ask.text, items=set(iris), dense=False, floor=0.0, limit=limit)
                if hits:
                    return hits
        scope = set(ask.scope) if ask.scope is not None else None
        rest = ask.rest.replace(ask.time.text, " ") if ask.time else ask.rest  # 4月底前 names no item
        hits = self.retriever.search(rest, items=scope, dense=False, limit=max(limit, 3))
        if not hits:
            return []
        confident = hits[0].lexical >= 0.3 and (len(hits) == 1 or hits[1].lexical <= hits[0].lexical * 0.85)
        if not confident:
            hits = self.retriever.search(rest, items=scope, dense=True, limit=max(limit, 3)) or hits
        return hits[:limit]


def _ref(info: ItemInfo) -> ItemRef:
    return ItemRef(info.plan, info.no, info.title)


def _refs(infos: Sequence[ItemInfo]) -> tuple[ItemRef, ...]:
    return tuple(_ref(i) for i in infos)


def _title_sources(infos: Sequence[ItemInfo]) -> tuple[Source, ...]:
    """Each item's title as the source of an answer that lists items."""
    return tuple(Source(i.no, i.title, i.plan) for i in infos)


def _labels(entities: Sequence[Entity | Named]) -> str:
    return "、".join(e.label for e in entities)


# ====================================================================== strategies
Strategy = Callable[[QAEngine, Ask], Answer | None]


def unknown_agency(qa: QAEngine, ask: Ask) -> Answer | None:
    linked = ask.linked
    if not linked.unknown_agencies or linked.agencies:
        return None
    names = "、".join(linked.unknown_agencies)
    hint = f"计划中相近的单位有：{'、'.join(linked.suggestions)}。" if linked.suggestions else ""
    return Answer(ask.text, f"本计划中没有“{names}”，查不到它牵头或参与的事项。{hint}", "not_in_plan")


def due_milestones(qa: QAEngine, ask: Ask) -> Answer | None:
    time = ask.time
    if time is None or has("howmuch", ask.text) and not time.relative:
        return None
    if not (time.relative or has("due", ask.text) or has("when", ask.text)) or has("count_items", ask.text):
        return None
    agencies = ask.linked.agency_names
    lead = has("lead", ask.text)
    after = time.after
    if time.exact and not time.relative:
        after = time.until.replace(day=1) - dt.timedelta(days=1)
    items = None
    if not agencies:
        rest = re.sub(r"到期|节点|完成|什么|哪些|要|的|有|前|底|月", "", ask.rest)
        hits = qa.resolve_items(ask, limit=1) if len(rest.strip()) >= 2 else []
        items = [hits[0].item] if hits and hits[0].lexical >= 0.3 else None
    sparql = Q.milestones_where(items=items, after=after, until=time.until,
                                agency=agencies[0].iris if agencies else None, lead=lead)
    rows = qa.run(sparql).dicts()
    if ask.scope is not None:
        rows = [r for r in rows if r["item"] in ask.scope]
    who = f"{agencies[0].label}{'牵头' if lead else '参与'}的事项" if agencies else "各事项"
    window = time.text
    if time.relative:
        since = f"{(after + dt.timedelta(days=1)).isoformat()} 至 " if after else "截至"
        window = f"{time.text}（{since}{time.until.isoformat()}）"
    if not rows:
        first, last = qa.run(Q.DEADLINE_RANGE).rows[0]
        span = f"（计划的进度节点在{first.isoformat()}至{last.isoformat()}之间；可用 --as-of 指定日期）" \
            if time.relative and first else ""
        return Answer(ask.text, f"{window}{who}没有到期的进度节点{span}。", "milestones_due", sparql=sparql)
    lines = [f"{r['no']}. {r['title']}【{r['deadlineText']}】{r['text']}" for r in rows[:MAX_LISTED]]
    infos = qa.item_refs([r["item"] for r in rows])
    text = f"{window}{who}共有{len(rows)}个进度节点：\n" + "\n".join(lines)
    sources = tuple(Source(r["no"], f"{r['deadlineText']}，{r['text']}") for r in rows[:MAX_LISTED])
    return Answer(ask.text, text, "milestones_due", items=_refs(infos),
                  sparql=sparql, sources=sources)


def count_items(qa: QAEngine, ask: Ask) -> Answer | None:
    if not has("count_items", ask.text) or re.search(r"(几|多少)个?(责任)?(单位|部门|领域|机构)", ask.text):
        return None
    patterns, who = [], "计划中"
    agencies = ask.linked.agency_names
    lead = has("lead", ask.text)
    if agencies:
        patterns += [Q.agency_match(a.iris, Q.role_property(lead), f"agency{n}") for n, a in enumerate(agencies)]
        who = f"{_labels(agencies)}{'牵头' if lead else '参与'}的"
    domains = ask.linked.of_kind("Domain")
    if domains:
        patterns.append(f"?item pk:domain {Q.iri(domains[0].iri)} .")
        who = f"{domains[0].label}领域{'' if not agencies else '中' + who}"
    part = CUES["count_parts"].search(ask.text)
    if part:
        return _count_parts(qa, ask, patterns, who, part.group("part"))
    kind = "攻坚事项"
    if has("new_items", ask.text):
        patterns.append("?item pk:continued false .")
        kind = "新增攻坚事项（非继续攻坚）"
    elif has("continued", ask.text):
        patterns.append("?item pk:continued true .")
        kind = "继续攻坚事项"
    sparql = Q.count_items(*patterns)
    listing = Q.items_where(*patterns)
    infos = qa.item_refs(qa.run(listing).column("item"), ask)
    count = len(infos) if ask.scope is not None else qa.run(sparql).rows[0][0]
    lines = "\n".join(qa.item_line(i) for i in infos[:MAX_LISTED])
    text = f"{who}{kind}共{count}个。" + (f"\n{lines}" if lines else "")
    return Answer(ask.text, text, "count", items=_refs(infos), sparql=sparql,
                  sources=_title_sources(infos[:MAX_LISTED]))


_PARTS = {"节点": ("pk:milestone", "进度节点"), "里程碑": ("pk:milestone", "进度节点"),
          "任务": ("pk:task", "攻坚任务"), "目标": ("pk:milestone|pk:task)/(pk:target", "量化目标"),
          "指标": ("pk:milestone|pk:task)/(pk:target", "量化目标")}


def _count_parts(qa: QAEngine, ask: Ask, patterns: list[str], who: str, part: str) -> Answer:
    """一共有多少个进度节点 / 违建治理有几个攻坚任务: milestones, tasks or targets counted."""
    path, name = _PARTS[part]
    hits = qa.resolve_items(ask) if ask.numbered or len(re.sub(
        r"一共|总共|共|有|几|多少|个|项|条|进度|攻坚|量化|节点|里程碑|任务|目标|指标|的|计划|中|本", "", ask.rest).strip()) >= 2 else []
    items = [h.item for h in hits if h.lexical >= 0.2][:1]
    if items:
        patterns = [*patterns, f"VALUES ?item {{ {Q.iri(items[0])} }}"]
        info = qa.vocab.items[items[0]]
        who = f"“{info.title}”（事项{info.no}）"
    sparql = Q.count_parts(f"({path})", *patterns)
    count = qa.run(sparql).rows[0][0]
    infos = qa.item_refs(items)
    return Answer(ask.text, f"{who}{name}共{count}个。", "count_parts", items=_refs(infos),
                  sparql=sparql, sources=_title_sources(infos))


def rank_items(qa: QAEngine, ask: Ask) -> Answer | None:
    if not has("rank_items", ask.text):
        return None
    sparql = Q.item_ranking_by_agencies()
    rows = qa.run(sparql).dicts()
    if ask.scope is not None:
        rows = [r for r in rows if r["item"] in ask.scope]
    if not rows:
        return None
    fewest = "最少" in ask.text
    ordered = sorted(rows, key=lambda r: (r["count"], r["no"])) if fewest else rows
    top = [r for r in ordered if r["count"] == ordered[0]["count"]]
    listing = "；".join(f"{r['no']}. {r['title']}（{r['count']}个单位）" for r in ordered[:5])
    names = "、".join(f"事项{r['no']}“{r['title']}”" for r in top)
    text = f"责任单位{'最少' if fewest else '最多'}的事项是{names}（{top[0]['count']}个单位）。排名：{listing}"
    infos = qa.item_refs([r["item"] for r in top])
    return Answer(ask.text, text, "item_ranking", items=_refs(infos), sparql=sparql,
                  sources=_title_sources(infos))


def item_overview(qa: QAEngine, ask: Ask) -> Answer | None:
    """事项3 / 第三项是什么: the item's title, domain, agencies and milestones."""
    if not ask.numbered:
        return None
    sparql = Q.item_overview(list(ask.numbered))
    rows = qa.run(sparql).dicts()
    lines, infos = [], qa.item_refs(ask.numbered)
    for info in infos:
        mine = [r for r in rows if r["item"] == info.iri]
        if not mine:
            continue
        leads = "、".join(r["agency"] for r in mine if r["lead"])
        others = "、".join(r["agency"] for r in mine if not r["lead"])
        kind = "继续攻坚事项" if mine[0]["continued"] else "新增攻坚事项"
        lines.append(f"事项{info.no}“{info.title}”：{mine[0]['domain']}领域，{kind}；牵头单位{leads}"
                     + (f"，参与单位{others}" if others else "") + f"；{mine[0]['milestones']}个进度节点。")
    if not lines:
        return Answer(ask.text, "计划中没有这个序号的事项。", "item_overview", sparql=sparql)
    return Answer(ask.text, "\n".join(lines), "item_overview", items=_refs(infos),
                  sparql=sparql, sources=_title_sources(infos))


def rank_agencies(qa: QAEngine, ask: Ask) -> Answer | None:
    if not (has("rank", ask.text) and (has("agency_word", ask.text) or has("lead", ask.text))):
        return None
    lead = has("lead", ask.text)
    sparql = Q.agency_ranking(lead=lead)
    rows = qa.run(sparql).rows
    if not rows:
        return None
    fewest = "最少" in ask.text
    ordered = sorted(rows, key=lambda r: (r[2], r[1])) if fewest else list(rows)
    top_count = ordered[0][2]
    top = [r for r in ordered if r[2] == top_count]
    role = "牵头" if lead else "参与"
    ranking = "；".join(f"{label} {count}项" for _, label, count in ordered[:5])
    text = f"{role}事项{'最少' if fewest else '最多'}的是{'、'.join(r[1] for r in top)}（{top_count}项）。排名：{ranking}"
    item_rows = qa.run(Q.items_by_agencies([[top[0][0]]], lead=lead))
    infos = qa.item_refs(item_rows.column("item"), ask)
    return Answer(ask.text, text, "agency_ranking", items=_refs(infos), sparql=sparql,
                  sources=_title_sources(infos))


def several_agencies(qa: QAEngine, ask: Ask) -> Answer | None:
    agencies = ask.linked.agency_names
    if len(agencies) < 2:
        return None
    lead = has("lead", ask.text)
    mode = "none" if has("neither", ask.text) else "any" if has("either", ask.text) else "all"
    sparql = Q.items_by_agencies([a.iris for a in agencies], lead=lead, mode=mode)
    role = "牵头" if lead else "参与"
    joined = "和".join(a.label for a in agencies)
    header = {"all": f"{joined}都{role}的事项", "any": f"{joined}任一{role}的事项",
              "none": f"{joined}都未{role}的事项"}[mode]
    return qa.items_answer(ask, f"agencies_{mode}", sparql, header, empty=f"没有{header.removesuffix('的事项')}的事项。")


def co_agencies(qa: QAEngine, ask: Ask) -> Answer | None:
    agencies = ask.linked.agency_names
    if len(agencies) != 1 or not has("together", ask.text):
        return None
    agency = agencies[0]
    hits = qa.resolve_items(ask, limit=1)
    own = set(qa.run(Q.items_by_agencies([agency.iris])).column("item"))
    items = [hits[0].item] if hits and hits[0].item in own and hits[0].lexical >= 0.25 else None
    sparql = Q.co_agencies(agency.iris, items)
    rows = qa.run(sparql).rows
    scope = f"在“{qa.vocab.items[items[0]].title}”中" if items else ""
    if not rows:
        return Answer(ask.text, f"{scope}没有与{agency.label}共同负责的单位。", "co_agencies", sparql=sparql)
    names = "、".join(f"{label}（共同负责{shared}项）" if not items else label for label, shared, _ in rows)
    shared_items = items or sorted(own, key=lambda i: qa.vocab.items[i].no)
    infos = qa.item_refs(shared_items, ask)
    text = f"{scope}与{agency.label}一起负责的单位有{len(rows)}个：{names}"
    return Answer(ask.text, text, "co_agencies", items=_refs(infos), sparql=sparql,
                  sources=_title_sources(infos))


def agency_items(qa: QAEngine, ask: Ask) -> Answer | None:
    agencies = ask.linked.agency_names
    if len(agencies) != 1:
        return None
    agency = agencies[0]
    if has("howmuch", ask.text) and not has("count_items", ask.text) and qa.resolve_items(ask):
        return None  # a number about an item, asked with the agency as context
    if has("joined_not_led", ask.text):
        sparql = Q.items_where(Q.agency_match(agency.iris, "pk:responsibleAgency"),
                               f"FILTER NOT EXISTS {{ {Q.agency_match(agency.iris, 'pk:leadAgency', 'led')} }}")
        return qa.items_answer(ask, "joined_not_led", sparql, f"{agency.label}参与但不牵头的事项",
                               empty=f"{agency.label}没有只参与不牵头的事项。")
    lead = has("lead", ask.text)
    if has("domain_word", ask.text) and re.search(r"哪|什么|分布|分别", ask.text):
        return _agency_domains(qa, ask, agency, lead)
    if re.search(r"(参与|配合|协作|协同|其他|哪些|什么)(的)?(单位|部门)", ask.text):
        return _partners_on_items(qa, ask, agency, lead)
    mode = "none" if has("negation", ask.text) and re.search(r"(没有|未|不)(牵头|参与|负责)", ask.text) else "all"
    sparql = Q.items_by_agencies([agency.iris], lead=lead, mode=mode)
    role = "牵头" if lead else "参与（含牵头）"
    header = f"{agency.label}{'未' if mode == 'none' else ''}{role}的事项"
    return qa.items_answer(ask, "lead_items" if lead else "agency_items", sparql, header,
                           empty=f"{agency.label}在本计划中没有{'牵头' if lead else '参与'}的事项。")


def _partners_on_items(qa: QAEngine, ask: Ask, agency: Named, lead: bool) -> Answer | None:
    """市公安局牵头的事项有哪些参与单位: the other agencies on the agency's items."""
    items = qa.run(Q.items_by_agencies([agency.iris], lead=lead)).column("item")
    if not items:
        return None
    sparql = Q.co_agencies(agency.iris, items)
    rows = qa.run(sparql).rows
    role = "牵头" if lead else "参与"
    names = "、".join(f"{label}（事项{nos.replace(',', '、')}）" for label, _, nos in rows)
    infos = qa.item_refs(items, ask)
    text = (f"{agency.label}{role}的{len(infos)}个事项中，参与单位有{len(rows)}个：{names}" if rows
            else f"{agency.label}{role}的事项没有其他参与单位。")
    return Answer(ask.text, text, "partners_on_items", items=_refs(infos), sparql=sparql,
                  sources=_title_sources(infos))


def _agency_domains(qa: QAEngine, ask: Ask, agency: Named, lead: bool) -> Answer | None:
    """市场监管局牵头的事项在什么领域: the agency's items with their domains."""
    items = qa.run(Q.items_by_agencies([agency.iris], lead=lead)).column("item")
    if not items:
        return None
    sparql = Q.item_domains(items)
    rows = sorted(qa.run(sparql).dicts(), key=lambda r: r["no"])
    domains = list(dict.fromkeys(r["domain"] for r in rows))
    listing = "；".join(f"{r['no']}. {r['title']}（{r['domain']}）" for r in rows)
    role = "牵头" if lead else "参与"
    infos = qa.item_refs(items, ask)
    return Answer(ask.text, f"{agency.label}{role}的事项属于{'、'.join(domains)}领域：{listing}",
                  "agency_domains", items=_refs(infos), sparql=sparql,
                  sources=_title_sources(infos))


def district_items(qa: QAEngine, ask: Ask) -> Answer | None:
    districts = ask.linked.of_kind("District")
    if not districts or ask.linked.agencies:
        return None
    district = districts[0]
    sparql = Q.items_in_district(district.iri)
    return qa.items_answer(ask, "district_items", sparql, f"{district.label}（通过区市政府）参与的事项",
                           empty=f"计划中没有落到{district.label}的事项。")


def domain_questions(qa: QAEngine, ask: Ask) -> Answer | None:
    domains = [m for m in ask.linked.mentions if m.entity.kind == "Domain"
               and (m.how == "label" or has("domain_word", ask.text))]
    if not domains or (has("documents", ask.text) or has("places", ask.text)) and re.search(r"哪些|什么", ask.text):
        return None  # 物业管理事项提到了哪些文件: a question about documents, not the domain
    if (has("howmuch", ask.text) or has("when", ask.text)) and not has("domain_word", ask.text) \
            and not has("count_items", ask.text):
        return None  # 食品安全检查完成多少家次: the domain's name inside a target's wording
    domain = domains[0].entity
    if has("agency_word", ask.text) or has("lead", ask.text):
        lead = has("lead", ask.text)
        item_iris = qa.run(Q.items_of_domain(domain.iri)).column("item")
        sparql = Q.item_agencies(item_iris, lead_only=lead)
        rows = qa.run(sparql).dicts()
        by_agency: dict[str, list[int]] = {}
        for r in rows:
            by_agency.setdefault(r["label"], []).append(qa.vocab.items[r["item"]].no)
        role = "牵头" if lead else "负责"
        listing = "；".join(f"{name}（事项{'、'.join(map(str, sorted(set(nos))))}）" for name, nos in by_agency.items())
        infos = qa.item_refs(item_iris, ask)
        return Answer(ask.text, f"{domain.label}领域的事项由{len(by_agency)}个单位{role}：{listing}",
                      "domain_agencies", items=_refs(infos), sparql=sparql,
                      sources=_title_sources(infos))
    return qa.items_answer(ask, "domain_items", Q.items_of_domain(domain.iri), f"{domain.label}领域的事项",
                           empty=f"{domain.label}领域没有事项。")


def item_domain(qa: QAEngine, ask: Ask) -> Answer | None:
    if not (has("belongs", ask.text) or (has("domain_word", ask.text) and re.search(r"哪|什么", ask.text))):
        return None
    hits = qa.resolve_items(ask)
    if not hits:
        return None
    sparql = Q.item_domains([hits[0].item])
    row = qa.run(sparql).dicts()[0]
    info = qa.vocab.items[hits[0].item]
    return Answer(ask.text, f"“{row['title']}”（事项{row['no']}）属于{row['domain']}领域。", "item_domain",
                  items=(_ref(info),), sparql=sparql, sources=(Source(info.no, info.title, info.plan),))


def continued_items(qa: QAEngine, ask: Ask) -> Answer | None:
    if has("new_items", ask.text):
        return qa.items_answer(ask, "new_items", Q.continued_items(False), "新增攻坚事项（非继续攻坚）",
                               empty="没有新增攻坚事项。")
    if has("continued", ask.text):
        return qa.items_answer(ask, "continued_items", Q.continued_items(True), "继续攻坚事项（带*）",
                               empty="没有继续攻坚事项。")
    return None


def _target_score(question: str, row: dict) -> float:
    question = expand_query(question)  # 外卖 also means 网络订餐 in the plan's words
    words = set(re.findall(r"[\u4e00-\u9fff]{2}", question)) | set(re.findall(r"[\u4e00-\u9fff]", question))
    target_text = f"{row['metric']}{row['unit']}"
    score = sum(2 if len(w) == 2 else 0.3 for w in words if w in target_text)
    if row["unit"] in question:
        score += 1.5
    if "累计" in question:
        score += 2.5 if row["cumulative"] else -1.0
    return score


def target_value(qa: QAEngine, ask: Ask) -> Answer | None:
    if not has("howmuch", ask.text):
        return None
    hits = qa.resolve_items(ask, limit=3)
    if not hits:
        return None
    items = [h.item for h in hits]
    sparql = Q.targets_of_items(items)
    rows = qa.run(sparql).dicts()
    if not rows:
        return None
    time = ask.time
    item_rank = {h.item: r for r, h in enumerate(hits)}

    if has("trajectory", ask.text):
        time = None

    def fits_time(row: dict) -> int:
        if time is None:
            return 1 if row["deadline"] is None or row["deadline"].month == 12 else 0
        if row["deadline"] is None:
            return 1 if time.until.month == 12 else -5
        if time.exact and row["deadline"] == time.until:
            return 3
        if row["deadline"] <= time.until and (time.after is None or row["deadline"] > time.after):
            return 2 if not time.exact else 1
        return -5

    def score(row: dict) -> float:
        return _target_score(ask.text, row) + fits_time(row) * 1.2 - item_rank[row["item"]] * 1.5 \
            + (0.3 if row["deadline"] is not None else 0) - 0.1 * rows.index(row) / len(rows)

    # A target at the deadline asked about beats a better-worded one at another deadline.
    candidates = [r for r in rows if _target_score(ask.text, r) >= 1.5 and fits_time(r) >= 0]
    if not candidates:
        return None
    best_fit = max(fits_time(r) for r in candidates)
    best = max((r for r in candidates if fits_time(r) == best_fit), key=score)
    info = qa.vocab.items[best["item"]]
    if has("trajectory", ask.text):
        return _trajectory(ask, info, best, rows, sparql)
    when = best["deadlineText"] or ("全年" if time is None else time.text)
    same_owner = [r for r in rows if r["owner"] == best["owner"] and r is not best
                  and _target_score(ask.text, r) >= _target_score(ask.text, best) - 0.5]
    others = "".join(f"；{r['quantity']}（{r['metric']}）" for r in same_owner[:3])
    cumulative = "累计" if best["cumulative"] else ""
    text = (f"{when}，{best['metric']}的目标是{cumulative}{best['quantity']}"
            f"（{_fmt_number(best['value'])}{best['unit']}）{others}。\n原文：{best['text']}"
            f"\n——事项{info.no}“{info.title}”")
    return Answer(ask.text, text, "target_value", items=(_ref(info),), sparql=sparql,
                  sources=(Source(info.no, f"{when}，{best['text']}", info.plan),))


def _trajectory(ask: Ask, info: ItemInfo, best: dict, rows: list[dict], sparql: str) -> Answer:
    """The same metric at every deadline: 1000个 → 3000个 → 7000个 → 10000个."""
    steps = sorted((r for r in rows if r["item"] == best["item"] and r["deadline"] is not None
                    and r["metric"] == best["metric"] and r["unit"] == best["unit"]),
                   key=lambda r: r["deadline"])
    steps = list({r["deadline"]: r for r in steps}.values())
    chain = " → ".join(f"{r['deadlineText']} {'累计' if r['cumulative'] else ''}{r['quantity']}" for r in steps)
    text = f"{best['metric']}各阶段目标：{chain}\n——事项{info.no}“{info.title}”"
    return Answer(ask.text, text, "target_trajectory", items=(_ref(info),), sparql=sparql,
                  sources=tuple(Source(info.no, f"{r['deadlineText']}，{r['text']}", info.plan) for r in steps))


def when_due(qa: QAEngine, ask: Ask) -> Answer | None:
    if not has("when", ask.text):
        return None
    hits = qa.resolve_items(ask, limit=2)
    if not hits:
        return None
    sparql = Q.milestones_where(items=[h.item for h in hits])
    rows = qa.run(sparql).dicts()
    if not rows:
        return None
    named = [m for m in ask.linked.mentions if m.entity.kind in ("Place", "PolicyDocument")]
    query = ask.text
    for mention in named:  # the document is in several milestones; the verb tells them apart
        query = query.replace(mention.surface, " ")
    query = re.sub(r"什么时候|何时|哪天|哪个月|几月|什么时间|要|的|完成|前", "", query).strip() or ask.text
    scores = qa.retriever.lexical_scores(query)
    by_text = {p.text: s for p, s in zip(qa.retriever.passages, scores, strict=True)}
    best = max(rows, key=lambda r: by_text.get(f"{r['deadlineText']}，{r['text']}", 0.0)
               - (0 if r["item"] == hits[0].item else 0.05))
    info = qa.vocab.items[best["item"]]
    text = (f"{best['deadlineText']}（{best['deadline'].isoformat()}）。原文：{best['deadlineText']}，{best['text']}"
            f"\n——事项{info.no}“{info.title}”")
    return Answer(ask.text, text, "when", items=(_ref(info),), sparql=sparql,
                  sources=(Source(info.no, f"{best['deadlineText']}，{best['text']}", info.plan),))


def item_agencies(qa: QAEngine, ask: Ask) -> Answer | None:
    if not has("agency_word", ask.text) or ask.linked.agencies:
        return None
    hits = qa.resolve_items(ask)
    if not hits:
        return None
    info = qa.vocab.items[hits[0].item]
    lead_only = has("lead", ask.text)
    sparql = Q.item_agencies([info.iri])
    rows = qa.run(sparql).dicts()
    leads = [r["label"] for r in rows if r["lead"]]
    others = [r["label"] for r in rows if not r["lead"]]
    if lead_only:
        text = f"“{info.title}”（事项{info.no}）的牵头单位是{'、'.join(leads)}。"
        if others:
            text += f"参与单位：{'、'.join(others)}。"
    else:
        text = f"“{info.title}”（事项{info.no}）共{len(rows)}个责任单位：由{'、'.join(leads)}牵头" + (
            f"，{'、'.join(others)}参与。" if others else "。")
    return Answer(ask.text, text, "item_lead" if lead_only else "item_agencies", items=(_ref(info),),
                  sparql=sparql, sources=(Source(info.no, info.title, info.plan),))


def every_items_leads(qa: QAEngine, ask: Ask) -> Answer | None:
    """各事项的牵头单位分别是什么."""
    if not (has("every_item", ask.text) and (has("lead", ask.text) or has("agency_word", ask.text))):
        return None
    if ask.linked.agencies or ask.numbered:
        return None
    sparql = Q.all_leads()
    rows = [r for r in qa.run(sparql).dicts() if ask.scope is None or r["item"] in ask.scope]
    infos = qa.item_refs([r["item"] for r in rows])
    lines = [f"{qa.item_line(i)}：{r['leads']}" for i, r in zip(infos, rows, strict=True)][:MAX_LISTED]
    return Answer(ask.text, f"各事项的牵头单位（共{len(rows)}项）：\n" + "\n".join(lines), "all_leads",
                  items=_refs(infos), sparql=sparql,
                  sources=_title_sources(infos[:MAX_LISTED]))


def named_things(qa: QAEngine, ask: Ask) -> Answer | None:
    """违建治理涉及哪些政策文件 / 计划提到了哪些地点: documents or places named by items."""
    kind = "PolicyDocument" if has("documents", ask.text) else "Place" if has("places", ask.text) else None
    if kind is None or not re.search(r"哪些|什么|有哪|列出", ask.text) or ask.linked.of_kind(kind):
        return None
    hits = qa.resolve_items(ask) if len(re.sub(r"计划|本|提到|涉及|了|哪些|什么|的|有|文件|政策|地点|地方|区域", "",
                                                 ask.rest).strip()) >= 2 else []
    items = [hits[0].item] if hits else None
    sparql = Q.mentioned_by_items(kind, items)
    rows = qa.run(sparql).dicts()
    if not rows:
        return None
    what = "政策文件" if kind == "PolicyDocument" else "地点"
    fmt = (lambda r: f"《{r['label']}》（事项{r['nos']}）") if kind == "PolicyDocument" else (
        lambda r: f"{r['label']}（事项{r['nos']}）")
    scope = f"“{qa.vocab.items[items[0]].title}”（事项{qa.vocab.items[items[0]].no}）" if items else "计划中"
    infos = qa.item_refs(items or [], ask)
    return Answer(ask.text, f"{scope}提到的{what}共{len(rows)}个：" + "；".join(fmt(r) for r in rows),
                  "documents" if kind == "PolicyDocument" else "places", items=_refs(infos),
                  sparql=sparql, sources=_title_sources(infos))


def item_tasks(qa: QAEngine, ask: Ask) -> Answer | None:
    if not (has("tasks", ask.text) or has("progress", ask.text)):
        return None
    hits = qa.resolve_items(ask)
    if not hits:
        return None
    info = qa.vocab.items[hits[0].item]
    if has("progress", ask.text) and not has("tasks", ask.text):
        sparql = Q.milestones_where(items=[info.iri])
        rows = qa.run(sparql).dicts()
        lines = [f"【{r['deadlineText']}】{r['text']}" for r in rows]
        sources = tuple(Source(info.no, f"{r['deadlineText']}，{r['text']}", info.plan) for r in rows)
        intent = "item_milestones"
        header = f"“{info.title}”（事项{info.no}）的进度安排：\n"
    else:
        sparql = Q.item_tasks([info.iri])
        rows = qa.run(sparql).dicts()
        lines = [f"{r['seq']}. {r['text']}" for r in rows]
        sources = tuple(Source(info.no, r["text"], info.plan) for r in rows)
        intent = "item_tasks"
        header = f"“{info.title}”（事项{info.no}）的攻坚任务：\n"
    return Answer(ask.text, header + "\n".join(lines), intent, items=(_ref(info),), sparql=sparql,
                  sources=sources)


def mentions(qa: QAEngine, ask: Ask) -> Answer | None:
    entities = ask.linked.of_kind("Place", "PolicyDocument")
    if not entities:
        return None
    sparql = Q.items_mentioning([e.iri for e in entities])
    rows = qa.run(sparql)
    answer = qa.items_answer(ask, "mentions", sparql, f"提到{_labels(entities)}的事项",
                             empty=f"没有提到{_labels(entities)}的事项。", rows=rows)
    if not answer.items:
        return None
    hits = qa.retriever.search(ask.text, items=set(rows.column("item")), dense=False, floor=0.0, limit=3)
    extra = "\n相关原文：" + "；".join(h.passage.text for h in hits[:2]) if hits else ""
    return replace(answer, answer=answer.answer + extra)


def list_domains_or_agencies(qa: QAEngine, ask: Ask) -> Answer | None:
    """有几个领域 / 有哪些领域 / 一共有多少个责任单位."""
    if ask.linked.mentions:
        return None
    residue = re.sub(r"计划|本|这个|中|里|一共|总共|共|都|有|哪些|哪几个|什么|的|几个|多少个|多少|几|个|全部|所有|列出|请|包括|涉及|参与|责任|攻坚|相关|各", "",
                     ask.text).strip()
    if residue in ("领域", "方面"):
        sparql = """SELECT ?domain ?label (COUNT(DISTINCT ?item) AS ?items) WHERE {
  ?item a pk:Item ; pk:domain ?domain . ?domain rdfs:label ?label .
} GROUP BY ?domain ?label ORDER BY DESC(?items) ?label"""
        rows = qa.run(sparql).rows
        listing = "；".join(f"{label}（{n}项）" for _, label, n in rows)
        return Answer(ask.text, f"计划共涉及{len(rows)}个领域：{listing}", "list_domains", sparql=sparql)
    if residue in ("单位", "部门", "机构"):
        sparql = Q.agency_ranking(lead=False)
        rows = qa.run(sparql).rows
        listing = "、".join(f"{label}（{n}项）" for _, label, n in rows)
        return Answer(ask.text, f"计划共有{len(rows)}个责任单位：{listing}", "list_agencies", sparql=sparql)
    return None


def list_all(qa: QAEngine, ask: Ask) -> Answer | None:
    residue = re.sub(r"计划|本|这个|中|里|一共|都|有|哪些|什么|的|攻坚|事项|项目|全部|所有|列出|清单|请|包括", "",
                     ask.rest).strip()
    if residue:
        return None
    if has("list_items", ask.text):
        return qa.items_answer(ask, "list_items", Q.all_items(), "计划中的攻坚事项", empty="计划中没有事项。")
    return None


def search(qa: QAEngine, ask: Ask) -> Answer | None:
    scope = set(ask.scope) if ask.scope is not None else None
    hits = qa.retriever.search(ask.text, items=scope, dense=True, limit=3)
    if not hits:
        return None
    infos = [qa.vocab.items[h.item] for h in hits]
    lines = [f"{i.no}. {i.title}\n   相关原文：{h.passage.text}" for i, h in zip(infos, hits, strict=True)]
    text = "最相关的事项：\n" + "\n".join(lines)
    return Answer(ask.text, text, "search", items=_refs(infos),
                  sources=tuple(Source(i.no, h.passage.text, i.plan) for i, h in zip(infos, hits, strict=True)),
                  retrieval=qa.retriever.dense_status)


def refuse(qa: QAEngine, ask: Ask) -> Answer:
    return Answer(ask.text, "抱歉，这个问题超出了本计划的内容，我只能回答与行动计划的事项、责任单位、进度和目标有关的问题。"
                  "例如：市公安局牵头哪些事项？6月底前违建要累计拆除多少？", "out_of_scope")


#: The order is the grammar: earlier strategies claim the more specific questions.
STRATEGIES: tuple[Strategy, ...] = (
    unknown_agency,
    count_items,
    rank_items,
    rank_agencies,
    due_milestones,
    several_agencies,
    co_agencies,
    agency_items,
    district_items,
    domain_questions,
    list_domains_or_agencies,
    item_domain,
    continued_items,
    target_value,
    when_due,
    every_items_leads,
    named_things,
    item_agencies,
    item_tasks,
    item_overview,
    mentions,
    list_all,
    search,
    refuse,
)
