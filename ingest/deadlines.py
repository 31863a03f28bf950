"""Deadline phrases (4月底前, 年底前, 第二季度, 2024年6月30日前) and their dates."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .errors import RowError

__all__ = ["Deadline", "chinese_number", "find_deadlines", "parse_deadline"]

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int:
    """Arabic or Chinese numerals up to 99.

    >>> chinese_number("十二"), chinese_number("6"), chinese_number("二十"), chinese_number("十")
    (12, 6, 20, 10)
    """
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
DEADLINE_PATTERN = re.compile(
    rf"(?:(?P<year>\d{{4}})年)?"
    rf"(?:(?P<month>{_NUM})月(?:(?P<day>{_NUM})日|份?(?P<part>底|末|中旬|上旬|下旬|中))?"
    rf"|第?(?P<quarter>[一二三四1-4])季度(?:末|底)?"
    rf"|(?P<half>上半年|下半年)(?:末|底)?"
    rf"|(?P<yearend>年底|年末|年内|全年))"
    rf"(?P<before>前|之前|以前|内)?"
)


@dataclass(frozen=True)
class Deadline:
    text: str
    date: dt.date
    start: int
    end: int


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_deadline(text: str, plan_year: int) -> dt.date:
    """The date a deadline phrase means, in the plan's year unless it names one.

    >>> parse_deadline("6月底前", 2023)
    datetime.date(2023, 6, 30)
    >>> parse_deadline("第三季度", 2023), parse_deadline("年底前", 2023)
    (datetime.date(2023, 9, 30), datetime.date(2023, 12, 31))
    >>> parse_deadline("2024年3月15日前", 2023)
    datetime.date(2024, 3, 15)
    >>> parse_deadline("13月底前", 2023)
    Traceback (most recent call last):
    ...
    ingest.errors.RowError: cannot read the deadline '13月底前': month 13 is not 1–12
    """
    match = DEADLINE_PATTERN.fullmatch(text)
    if not match:
        raise RowError(f"cannot read the deadline {text!r}: expected e.g. 6月底前, 年底前, 第二季度")
    year = int(match["year"]) if match["year"] else plan_year
    if match["month"]:
        month = chinese_number(match["month"])
        if not 1 <= month <= 12:
            raise RowError(f"cannot read the deadline {text!r}: month {month} is not 1–12")
        if match["day"]:
            day = chinese_number(match["day"])
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise RowError(f"cannot read the deadline {text!r}: no day {day} in month {month}") from None
        if match["part"] == "上旬":
            return dt.date(year, month, 10)
        if match["part"] in ("中旬", "中"):
            return dt.date(year, month, 20)
        return _month_end(year, month)
    if match["quarter"]:
        return _month_end(year, 3 * chinese_number(match["quarter"]))
    if match["half"]:
        return _month_end(year, 6 if match["half"] == "上半年" else 12)
    return dt.date(year, 12, 31)


# A milestone starts where a deadline phrase opens a clause: at the start, or after
# a space, a full stop or a semicolon, and is followed by a comma or a space.
_MILESTONE_START = re.compile(
    rf"(?:^|(?<=[\s。；;]))(?P<phrase>{DEADLINE_PATTERN.pattern})\s*(?=[,，:：\s])"
)
_LOOSE_MONTH = re.compile(r"(?:^|(?<=[\s。；;]))(\d{1,3})月(?:底|末)?前?\s*(?=[,，:：\s])")


def find_deadlines(schedule: str, plan_year: int) -> list[Deadline]:
    """Deadline phrases that open milestones in a schedule cell.

    >>> [d.text for d in find_deadlines("4月底前 ,制定方案。 6月底前 ,完成。", 2023)]
    ['4月底前', '6月底前']
    """
    found = []
    for match in _MILESTONE_START.finditer(schedule):
        phrase = match["phrase"]
        found.append(Deadline(phrase, parse_deadline(phrase, plan_year), match.start(), match.end()))
    for match in _LOOSE_MONTH.finditer(schedule):
        if not any(d.start <= match.start() < d.end for d in found):
            parse_deadline(match.group(0).strip(), plan_year)  # raises a RowError naming the phrase
    return found
