"""Rows → records: the record-building code every reader and layout shares.

``parse_plan`` is pure (rows in, records out); ``read_plan`` adds the file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from ontology import districts_of, known_cities, lead_overrides

from .agencies import classify_unit, split_units
from .deadlines import chinese_number, find_deadlines
from .errors import PlanFileError, RowError
from .layout import Field, Layout, find_layout, find_title
from .mentions import find_documents, find_places
from .readers import RawRow, read_rows, split_tsv_lines
from .records import AgencyRef, Item, Milestone, ParseResult, Plan, SkippedRow, Task
from .targets import extract_targets
from .text import normalize

__all__ = ["parse_plan", "parse_plan_text", "read_plan", "split_tasks", "plan_slug"]

_CONTINUED_MARK = re.compile(r"^[*＊]+")
_SECTION = re.compile(r"^(?P<no>[一二三四五六七八九十]+)[、.．]\s*(?P<name>.+)$")
_TASK_NUMBER = re.compile(r"(?:^|(?<=[。；;！!\s]))(\d{1,2})[.．、](?!\d)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CITY_IN_TITLE = re.compile(r"([\u4e00-\u9fff]{2,4}?)市")


def plan_slug(source: str) -> str:
    """A stable, readable identifier for a plan, from its file name.

    >>> plan_slug("data/2023_qingdao_minsheng_plan.txt")
    '2023_qingdao_minsheng_plan'
    """
    stem = Path(source).stem
    return re.sub(r"[^\w-]+", "-", stem).strip("-").lower() or "plan"


def split_tasks(cell: str) -> list[str]:
    """Numbered tasks ``1.… 2.…`` (numbers must run 1, 2, 3 …); else the cell as one task.

    >>> split_tasks("1.保持态势。 2.贯彻落实条例。")
    ['保持态势。', '贯彻落实条例。']
    >>> split_tasks("加大整治力度，严查1.5万辆")
    ['加大整治力度，严查1.5万辆']
    """
    text = normalize(cell)
    starts: list[tuple[int, int]] = []
    expected = 1
    for match in _TASK_NUMBER.finditer(text):
        if int(match.group(1)) == expected:
            starts.append((match.start(), match.end()))
            expected += 1
    if not starts or starts[0][0] != 0:
        return [text] if text else []
    bounds = [*starts, (len(text), len(text))]
    return [text[bounds[i][1] : bounds[i + 1][0]].strip() for i in range(len(starts))]


def _year(title: str, source: str, year: int | None) -> int:
    if year:
        return year
    for text in (title, Path(source).name):
        match = _YEAR.search(text) or re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", text)
        if match:
            return int(match.group(1))
    raise PlanFileError(
        source, "cannot tell the plan's year: name it in the title (e.g. 2023年…) or pass --year"
    )


def _city(title: str, rows: Sequence[RawRow], city: str | None) -> str:
    if city:
        return city
    for name in known_cities():
        if name in title:
            return name
    named = _CITY_IN_TITLE.search(title)
    if named:
        return named.group(1)
    body = "".join(cell for row in rows for cell in row.cells)
    counts = Counter({name: body.count(name) for name in known_cities()})
    best, hits = counts.most_common(1)[0] if counts else ("", 0)
    return best if hits else ""


def _item_number(cell: str, fallback: int) -> int:
    cell = normalize(cell).rstrip("、.")
    if not cell:
        return fallback
    if cell.isdigit():
        return int(cell)
    try:
        return chinese_number(cell)
    except KeyError:
        raise RowError(f"序号 {cell!r} is not a number") from None


def _agencies(layout: Layout, row: RawRow, city: str) -> list[str]:
    names = split_units(layout.cell(row, Field.LEAD)) + split_units(layout.cell(row, Field.AGENCIES))
    names += split_units(layout.cell(row, Field.PARTNERS))
    return list(dict.fromkeys(names))


def _milestones(schedule: str, year: int, city: str) -> tuple[Milestone, ...]:
    deadlines = find_deadlines(schedule, year)
    if schedule.strip() and not deadlines:
        raise RowError(
            f"no deadline phrase in 实施进度计划 {schedule[:20]!r}…: expected it to open with e.g. 4月底前"
        )
    milestones = []
    for seq, deadline in enumerate(deadlines, start=1):
        end = deadlines[seq].start if seq < len(deadlines) else len(schedule)
        text = normalize(schedule[deadline.end : end]).lstrip(",，:：")
        milestones.append(Milestone(
            seq=seq,
            deadline=deadline.date,
            deadline_text=deadline.text,
            text=text,
            targets=extract_targets(text),
            documents=find_documents(text),
            places=find_places(text, city),
        ))
    return tuple(milestones)


def _parse_row(row: RawRow, layout: Layout, *, plan: str, year: int, city: str,
               domain: str, fallback_no: int) -> Item:
    if len(row.cells) < layout.width:
        raise RowError(
            f"has {len(row.cells)} columns, expected {layout.width} "
            f"({', '.join(f.value for f in sorted(layout.columns, key=layout.columns.get))})"
        )
    no = _item_number(layout.cell(row, Field.NO), fallback_no)
    raw_title = normalize(layout.cell(row, Field.TITLE))
    title = _CONTINUED_MARK.sub("", raw_title).strip()
    if not title:
        raise RowError("no 攻坚事项 (item title)")
    domain = normalize(layout.cell(row, Field.DOMAIN)) or domain
    if not domain:
        raise RowError("no 领域 (domain) and no section row above it")
    names = _agencies(layout, row, city)
    if not names:
        raise RowError("no 责任单位 (responsible units)")
    override = lead_overrides().get((plan, no))
    stated_leads = split_units(layout.cell(row, Field.LEAD))
    leads = tuple(override or stated_leads or names[:1])
    names = list(dict.fromkeys([*leads, *names]))
    agencies: tuple[AgencyRef, ...] = tuple(classify_unit(n, city) for n in names)
    tasks = tuple(
        Task(seq, text, extract_targets(text), find_documents(text), find_places(text, city))
        for seq, text in enumerate(split_tasks(layout.cell(row, Field.TASKS)) or [title], start=1)
    )
    return Item(
        no=no,
        title=title,
        continued=raw_title != title,
        domain=domain,
        agencies=agencies,
        leads=leads,
        lead_inferred=not (override or stated_leads),
        tasks=tasks,
        milestones=_milestones(layout.cell(row, Field.SCHEDULE), year, city),
        line=row.line,
        source_text=row.text,
        agencies_text=normalize(layout.cell(row, Field.AGENCIES) or layout.cell(row, Field.LEAD)),
    )


def parse_plan(rows: Sequence[RawRow], source: str, *, city: str | None = None,
               year: int | None = None) -> ParseResult:
    """Records from the raw rows of one plan table; bad rows are skipped and reported.

    >>> rows = list(split_tsv_lines([
    ...     "2023年示范计划",
    ...     "序号\\t攻坚事项\\t攻坚任务\\t领域\\t责任单位\\t实施进度计划",
    ...     "1\\t*整治违建\\t1.拆违。\\t市容 环境\\t市城市管理局; 各区(市)政府\\t6月底前 ,累计拆除不少于300万平方米违建。",
    ... ]))
    >>> result = parse_plan(rows, "demo.txt", city="青岛")
    >>> item = result.plan.items[0]
    >>> item.title, item.continued, item.domain, item.leads, item.milestones[0].deadline.isoformat()
    ('整治违建', True, '市容环境', ('市城市管理局',), '2023-06-30')
    """
    if not rows:
        raise PlanFileError(source, "no table rows: expected a header row and one row per item")
    layout = find_layout(rows)
    if layout is None:
        raise PlanFileError(
            source,
            "no header row: expected a tab-separated row naming columns such as "
            "序号, 攻坚事项, 攻坚任务, 领域, 责任单位, 实施进度计划",
            line=rows[0].line,
        )
    if layout.missing:
        raise PlanFileError(
            source, f"the header lacks column(s) for: {', '.join(layout.missing)}", line=layout.header_line
        )
    title = find_title(rows, layout.header_line) or Path(source).stem
    plan_year = _year(title, source, year)
    plan_city = _city(title, rows, city)
    slug = plan_slug(source)
    items: list[Item] = []
    skipped: list[SkippedRow] = []
    seen: dict[int, int] = {}
    section_domain = ""
    for row in rows:
        if row.line <= layout.header_line:
            continue
        filled = [c for c in row.cells if c.strip()]
        section = _SECTION.match(normalize(filled[0])) if len(filled) == 1 else None
        if section:
            section_domain = section["name"]
            continue
        try:
            item = _parse_row(row, layout, plan=slug, year=plan_year, city=plan_city,
                              domain=section_domain, fallback_no=len(items) + 1)
        except RowError as error:
            skipped.append(SkippedRow(source, row.line, error.message))
            continue
        if item.no in seen:
            skipped.append(SkippedRow(source, row.line, f"序号 {item.no} repeats line {seen[item.no]}"))
            continue
        seen[item.no] = row.line
        items.append(item)
    if not items:
        reasons = "; ".join(str(s) for s in skipped[:3])
        raise PlanFileError(source, f"no readable item rows{': ' + reasons if reasons else ''}")
    plan = Plan(slug=slug, title=title, city=plan_city, year=plan_year, source=Path(source).name,
                items=tuple(items), districts=districts_of(plan_city))
    return ParseResult(plan, tuple(skipped))


def parse_plan_text(lines: Iterable[str], source: str, **options) -> ParseResult:
    """:func:`parse_plan` over lines of tab-separated text."""
    return parse_plan(list(split_tsv_lines(lines)), source, **options)


def read_plan(path: str | Path, *, city: str | None = None, year: int | None = None) -> ParseResult:
    """Read and parse one plan file.

    Raises :class:`~ingest.errors.PlanFileError` naming the file (and line) when
    the file as a whole cannot be read.
    """
    path = Path(path)
    return parse_plan(read_rows(path), str(path), city=city, year=year)
