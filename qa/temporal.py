"""Time in questions: months (4月底, 六月底, 年底), quarters, and dates relative to today."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ingest.deadlines import chinese_number

__all__ = ["TimeSpec", "read_time"]


@dataclass(frozen=True)
class TimeSpec:
    """A window of deadlines: (after, until], and how the question put it.

    ``exact`` is True when the question names one deadline (6月底前) rather than
    a span (截至9月底, 下个月, 第三季度).
    """

    after: dt.date | None
    until: dt.date
    text: str
    exact: bool = True
    relative: bool = False


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_MONTH = re.compile(rf"(?:(?P<year>\d{{4}})年)?(?P<month>{_NUM})月(?:份)?(?:底|末|中旬|下旬|上旬)?(?:前|之前|以前)?")
_QUARTER = re.compile(r"第?(?P<q>[一二三四1-4])季度")
_HALF = re.compile(r"(?P<h>上半年|下半年)")
_YEAR_END = re.compile(r"年底|年末|年终|全年|今年底|到年底")
_NEXT_MONTH = re.compile(r"下个?月")
_THIS_MONTH = re.compile(r"本月|这个月|当月")
_OVERDUE = re.compile(r"已到期|已经到期|已过期|逾期|过了期限|已截止")
_SOON = re.compile(r"即将到期|快到期|近期|马上到期|最近")
_UP_TO = re.compile(r"截至|截止到|截止|到目前|目前为止|之前的")


def read_time(question: str, *, plan_year: int, today: dt.date) -> TimeSpec | None:
    """The deadline window a question asks about, or None.

    >>> read_time("6月底前违建要拆除多少", plan_year=2023, today=dt.date(2023, 1, 1)).until
    datetime.date(2023, 6, 30)
    >>> t = read_time("第三季度要完成什么", plan_year=2023, today=dt.date(2023, 1, 1))
    >>> (t.after, t.until, t.exact)
    (datetime.date(2023, 6, 30), datetime.date(2023, 9, 30), False)
    >>> t = read_time("下个月到期的节点", plan_year=2023, today=dt.date(2023, 5, 10))
    >>> (t.after, t.until)
    (datetime.date(2023, 5, 31), datetime.date(2023, 6, 30))
    """
    if _NEXT_MONTH.search(question):
        start = _month_end(today.year, today.month)
        nxt = start + dt.timedelta(days=1)
        return TimeSpec(start, _month_end(nxt.year, nxt.month), "下个月", exact=False, relative=True)
    if _THIS_MONTH.search(question):
        first = today.replace(day=1) - dt.timedelta(days=1)
        return TimeSpec(first, _month_end(today.year, today.month), "本月", exact=False, relative=True)
    if _OVERDUE.search(question) and not _MONTH.search(question):
        return TimeSpec(None, today, "已到期", exact=False, relative=True)
    if _SOON.search(question):
        return TimeSpec(today, today + dt.timedelta(days=45), "近期", exact=False, relative=True)
    span = bool(_UP_TO.search(question) or _OVERDUE.search(question))
    match = _MONTH.search(question)
    if match:
        month = chinese_number(match["month"])
        if 1 <= month <= 12:
            year = int(match["year"]) if match["year"] else plan_year
            until = _month_end(year, month)
            return TimeSpec(None, until, match.group(0), exact=not span)
    match = _QUARTER.search(question)
    if match:
        q = chinese_number(match["q"])
        after = _month_end(plan_year, 3 * (q - 1)) if q > 1 else dt.date(plan_year - 1, 12, 31)
        return TimeSpec(after, _month_end(plan_year, 3 * q), match.group(0), exact=False)
    match = _HALF.search(question)
    if match:
        first = match["h"] == "上半年"
        return TimeSpec(dt.date(plan_year - 1, 12, 31) if first else _month_end(plan_year, 6),
                        _month_end(plan_year, 6 if first else 12), match.group(0), exact=False)
    if _YEAR_END.search(question):
        return TimeSpec(None, dt.date(plan_year, 12, 31), _YEAR_END.search(question).group(0))
    return None
