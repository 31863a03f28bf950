"""The one exception hierarchy of ingestion: messages point at the input."""

from __future__ import annotations

__all__ = ["PlanError", "PlanFileError", "RowError"]


class PlanError(Exception):
    """Base class for every error a plan document can cause."""


class PlanFileError(PlanError):
    """The file as a whole cannot be read as a plan.

    >>> str(PlanFileError("plan.txt", "the file is empty", line=1))
    'plan.txt:1: the file is empty'
    """

    def __init__(self, source: str, message: str, *, line: int | None = None) -> None:
        self.source, self.line, self.message = source, line, message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


class RowError(PlanError):
    """One row cannot be read; the rest of the file may still be good."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
