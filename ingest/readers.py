"""Readers: one per document format, each turning a file into raw rows.

A reader yields :class:`RawRow` (line number + cells) and knows nothing of
columns or meaning; :mod:`ingest.layout` maps cells to fields. Adding DOCX or
XLSX means adding one function here that yields the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import PlanFileError

__all__ = ["RawRow", "read_rows", "split_tsv_lines"]


@dataclass(frozen=True)
class RawRow:
    line: int
    cells: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\t".join(self.cells)


def split_tsv_lines(lines: Iterable[str]) -> Iterator[RawRow]:
    """Rows of tab-separated text, one a line, numbered from 1; blank lines skipped.

    >>> [r.cells for r in split_tsv_lines(["a\\tb", "", "c"])]
    [('a', 'b'), ('c',)]
    """
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if line.strip():
            yield RawRow(number, tuple(line.split("\t")))


def read_text(path: Path) -> str:
    """The file's text, refusing what is missing, empty or binary."""
    source = str(path)
    if not path.exists():
        raise PlanFileError(source, "no such file")
    if path.is_dir():
        raise PlanFileError(source, "is a folder, expected a plan text file (.txt or .tsv)")
    data = path.read_bytes()
    if not data.strip():
        raise PlanFileError(source, "the file is empty; expected a plan table with a header row")
    if b"\x00" in data[:4096]:
        raise PlanFileError(source, "looks like a binary file; expected UTF-8 text, one table row a line")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlanFileError(source, "is neither UTF-8 nor GB18030 text")


def read_rows(path: Path) -> list[RawRow]:
    """Rows of a plan file; the format is chosen by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix in {".docx", ".xlsx", ".pdf", ".doc", ".xls"}:
        raise PlanFileError(
            str(path), f"{suffix} plans are not supported yet; export the table as tab-separated text"
        )
    return list(split_tsv_lines(read_text(path).splitlines()))
