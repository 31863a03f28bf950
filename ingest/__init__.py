"""Documents → records: read plan tables into plain dataclasses."""

from .errors import PlanError, PlanFileError, RowError
from .parse import parse_plan, parse_plan_text, read_plan
from .records import Item, Milestone, ParseResult, Plan, SkippedRow, Target, Task

BUNDLED_PLAN = __import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "2023_qingdao_minsheng_plan.txt"

__all__ = [
    "BUNDLED_PLAN",
    "Item",
    "Milestone",
    "ParseResult",
    "Plan",
    "PlanError",
    "PlanFileError",
    "RowError",
    "SkippedRow",
    "Target",
    "Task",
    "parse_plan",
    "parse_plan_text",
    "read_plan",
]
