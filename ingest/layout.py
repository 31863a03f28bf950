"""Layout: find the header row and map columns to fields by their names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .readers import RawRow
from .text import normalize

__all__ = ["Field", "Layout", "find_layout", "find_title"]


class Field(StrEnum):
    NO = "no"
    TITLE = "title"
    TASKS = "tasks"
    DOMAIN = "domain"
    AGENCIES = "agencies"
    LEAD = "lead"
    PARTNERS = "partners"
    SCHEDULE = "schedule"


# Checked in order: the first pattern a header cell matches decides its field
# ("责任单位(加粗字体为牵头单位)" is the agencies column, not the lead column).
_HEADER_PATTERNS: tuple[tuple[Field, re.Pattern[str]], ...] = (
    (Field.NO, re.compile(r"^(序号|编号|序)$")),
    (Field.AGENCIES, re.compile(r"责任单位|责任部门|负责单位")),
    (Field.LEAD, re.compile(r"牵头单位|牵头部门")),
    (Field.PARTNERS, re.compile(r"配合单位|协办单位|配合部门")),
    (Field.DOMAIN, re.compile(r"领域|类别|板块")),
    (Field.TASKS, re.compile(r"任务|工作内容|主要措施|具体措施")),
    (Field.TITLE, re.compile(r"事项|项目名称|工作事项")),
    (Field.SCHEDULE, re.compile(r"进度|时间|节点|计划")),
)


@dataclass(frozen=True)
class Layout:
    """Which cell index holds which field, and the header's line."""

    columns: dict[Field, int]
    header_line: int

    @property
    def width(self) -> int:
        return max(self.columns.values()) + 1

    def cell(self, row: RawRow, field: Field) -> str:
        index = self.columns.get(field)
        if index is None or index >= len(row.cells):
            return ""
        return row.cells[index]

    @property
    def missing(self) -> list[str]:
        need = [Field.TITLE, Field.SCHEDULE]
        lacking = [f.value for f in need if f not in self.columns]
        if Field.AGENCIES not in self.columns and Field.LEAD not in self.columns:
            lacking.append("agencies")
        return lacking


def _field_of(header: str) -> Field | None:
    header = normalize(header)
    for field, pattern in _HEADER_PATTERNS:
        if pattern.search(header):
            return field
    return None


def header_columns(cells: Sequence[str]) -> dict[Field, int]:
    """Map header cells to fields, first match wins.

    >>> cols = header_columns(["序号", "攻坚事项 (带*为继续 攻坚事项)", "攻坚任务", "领域",
    ...                        "责任单位(加粗字体 为牵头单位)", "实施进度计划"])
    >>> [(f.value, i) for f, i in cols.items()]
    [('no', 0), ('title', 1), ('tasks', 2), ('domain', 3), ('agencies', 4), ('schedule', 5)]
    """
    columns: dict[Field, int] = {}
    for index, cell in enumerate(cells):
        field = _field_of(cell)
        if field is not None and field not in columns:
            columns[field] = index
    return columns


def find_layout(rows: Sequence[RawRow]) -> Layout | None:
    """The first row naming at least three known columns, as a layout."""
    for row in rows:
        if len(row.cells) < 3:
            continue
        columns = header_columns(row.cells)
        if len(columns) >= 3 and Field.TITLE in columns:
            return Layout(columns, row.line)
    return None


def find_title(rows: Sequence[RawRow], header_line: int) -> str:
    """The plan's title: the last single-cell line above the header."""
    above = [normalize(r.cells[0]) for r in rows if r.line < header_line and len(r.cells) == 1]
    return above[-1] if above else ""
