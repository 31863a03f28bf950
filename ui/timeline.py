"""Progress over the year: milestones by deadline and each item's targets across deadlines.

Both tables come from SPARQL over ``pk:milestone`` / ``pk:target`` (the queries
are module constants, shown in the app); the Gantt chart is drawn with
matplotlib in Noto Sans CJK SC.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from typing import NamedTuple

from graph.results import cell_text

__all__ = [
    "MILESTONES_QUERY",
    "TARGETS_QUERY",
    "MilestoneRow",
    "TargetRow",
    "gantt_png",
    "milestones",
    "target_progressions",
]

CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "DejaVu Sans"]

MILESTONES_QUERY = """SELECT ?item ?no ?title ?year ?deadline ?deadlineText ?text WHERE {
  ?plan pk:item ?item .
  OPTIONAL { ?plan pk:year ?year }
  ?item pk:itemNo ?no ; rdfs:label ?title ; pk:milestone ?m .
  ?m pk:deadline ?deadline ; pk:deadlineText ?deadlineText .
  OPTIONAL { ?m pk:text ?text }
  #AGENCY#
} ORDER BY ?deadline ?year ?no"""

TARGETS_QUERY = """SELECT ?item ?no ?title ?deadline ?deadlineText ?metric ?valueText ?value ?unit ?cumulative WHERE {
  ?item pk:itemNo ?no ; rdfs:label ?title ; pk:milestone ?m .
  ?m pk:deadline ?deadline ; pk:deadlineText ?deadlineText ; pk:target ?t .
  ?t pk:metric ?metric ; pk:valueText ?valueText .
  OPTIONAL { ?t pk:value ?value }
  OPTIONAL { ?t pk:unit ?unit }
  OPTIONAL { ?t pk:cumulative ?cumulative }
  #AGENCY#
} ORDER BY ?no ?item ?deadline"""


def _with_agency(query: str, agency: str | None) -> str:
    """*query* restricted to items *agency* (a label) leads or takes part in."""
    if not agency:
        return query.replace("#AGENCY#", "")
    pattern = ("?item pk:responsibleAgency/rdfs:label ?agency . "
               f"FILTER(STR(?agency) = {json.dumps(agency, ensure_ascii=False)})")
    return query.replace("#AGENCY#", pattern)


class MilestoneRow(NamedTuple):
    item: str
    no: int
    title: str
    deadline: dt.date
    deadline_text: str
    text: str


def milestones(kg, agency: str | None = None) -> list[MilestoneRow]:
    """Every milestone by deadline (then item), optionally only of *agency*'s items.

    >>> from graph import bundled_graph
    >>> rows = milestones(bundled_graph(), agency="市邮政管理局")
    >>> [(r.no, r.deadline_text) for r in rows]
    [(11, '4月底前'), (11, '6月底前'), (11, '9月底前'), (11, '12月底前')]
    """
    result = kg.store.query(_with_agency(MILESTONES_QUERY, agency))
    return [MilestoneRow(r["item"], r["no"], r["title"], r["deadline"], r["deadlineText"], r["text"] or "")
            for r in result.dicts()]


class TargetRow(NamedTuple):
    """One metric of one item across the deadlines: the plan's wording and the numbers, by deadline text."""

    item: str
    no: int
    title: str
    metric: str
    unit: str
    texts: dict[str, str]
    numbers: dict[str, str]

    def progression(self) -> str:
        return " → ".join(self.numbers.values())


def target_progressions(kg, agency: str | None = None) -> tuple[list[str], list[TargetRow]]:
    """The deadline columns and, per item and metric, its targets at each deadline.

    >>> from graph import bundled_graph
    >>> deadlines, rows = target_progressions(bundled_graph())
    >>> deadlines
    ['4月底前', '6月底前', '9月底前', '12月底前']
    >>> [r.progression() for r in rows if "充电位" in r.metric]
    ['1000 → 3000 → 7000 → 10000']
    """
    result = kg.store.query(_with_agency(TARGETS_QUERY, agency))
    deadlines: dict[str, dt.date] = {}
    texts: dict[tuple, dict[str, str]] = defaultdict(dict)
    numbers: dict[tuple, dict[str, str]] = defaultdict(dict)
    for r in result.dicts():
        deadlines.setdefault(r["deadlineText"], r["deadline"])
        unit = r["unit"] or ""
        key = (r["no"], r["item"], r["title"], r["metric"], unit)
        texts[key][r["deadlineText"]] = r["valueText"]
        numbers[key][r["deadlineText"]] = cell_text(r["value"]) if r["value"] is not None else r["valueText"]
    order = sorted(deadlines, key=lambda text: (deadlines[text].month, deadlines[text].day))
    rows = [TargetRow(item, no, title, metric, unit, {d: texts[key][d] for d in order if d in texts[key]},
                      {d: numbers[key][d] for d in order if d in numbers[key]})
            for key in texts for (no, item, title, metric, unit) in [key]]
    return order, rows


def gantt_png(rows: list[MilestoneRow], *, width: float = 11.0) -> bytes:
    """A Gantt-style chart of *rows*: one bar per item, split at each deadline, as PNG bytes."""
    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": CJK_FONTS,
                                "axes.unicode_minus": False}):
        by_item: dict[str, list[MilestoneRow]] = defaultdict(list)
        for row in rows:
            by_item[row.item].append(row)
        items = sorted(by_item, key=lambda i: (by_item[i][0].no, i))
        fig = Figure(figsize=(width, max(2.5, 0.48 * len(items) + 1.4)), dpi=110)
        ax = fig.add_subplot()
        if not items:
            ax.text(0.5, 0.5, "没有进度节点", ha="center", va="center", fontsize=14, transform=ax.transAxes)
            ax.set_axis_off()
        else:
            years = sorted({r.deadline.year for r in rows})
            start = dt.date(years[0], 1, 1)
            colors = ["#90cdf4", "#4299e1", "#2b6cb0", "#1a365d"]
            for y, item in enumerate(items):
                previous = start
                for k, row in enumerate(sorted(by_item[item], key=lambda r: r.deadline)):
                    begin = max(previous, dt.date(row.deadline.year, 1, 1))
                    ax.barh(y, (row.deadline - begin).days, left=mdates.date2num(begin),
                            height=0.56, color=colors[k % len(colors)], edgecolor="white")
                    ax.plot(mdates.date2num(row.deadline), y, marker="D", color="#d62828", markersize=5)
                    middle = mdates.date2num(begin) + (row.deadline - begin).days / 2
                    ax.text(middle, y, _clip(row.text, 9), ha="center", va="center", fontsize=7,
                            color="#1a202c" if k % len(colors) < 2 else "white", clip_on=True)
                    previous = row.deadline
            ax.set_yticks(range(len(items)))
            ax.set_yticklabels([_short(by_item[i][0].no, by_item[i][0].title) for i in items], fontsize=9)
            ax.invert_yaxis()
            end = dt.date(years[-1], 12, 31) + dt.timedelta(days=6)
            ax.set_xlim(mdates.date2num(start), mdates.date2num(end))
            ticks = [dt.date(year, month, 1) for year in years for month in range(1, 13)]
            ax.set_xticks([mdates.date2num(t) for t in ticks])
            ax.set_xticklabels([f"{t.month}月" if len(years) == 1 else f"{t.year % 100}/{t.month}" for t in ticks], fontsize=9)
            ax.grid(axis="x", color="#e2e8f0")
            ax.set_axisbelow(True)
            ax.set_title(f"进度节点（◆ 截止日期，共 {len(rows)} 个节点）", fontsize=12)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _clip(text: str, width: int) -> str:
    return text[:width] + ("…" if len(text) > width else "")


def _short(no: int, title: str, width: int = 16) -> str:
    return f"{no}. {_clip(title, width)}"
