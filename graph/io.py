"""Reading and writing graph files, atomically."""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path

from rdflib import Graph

from ontology import bind_prefixes

__all__ = ["RdfFileFormat", "atomic_write", "read_rdf", "write_rdf"]


class RdfFileFormat(StrEnum):
    TURTLE = "turtle"
    NTRIPLES = "nt"
    JSONLD = "json-ld"

    @classmethod
    def from_path(cls, path: str | Path) -> RdfFileFormat:
        """The format a file name implies.

        >>> RdfFileFormat.from_path("plan.jsonld").value
        'json-ld'
        """
        suffix = Path(path).suffix.lower()
        return {".nt": cls.NTRIPLES, ".jsonld": cls.JSONLD, ".json": cls.JSONLD}.get(suffix, cls.TURTLE)



def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for a moment, in every thread)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write *data* to *path* so that readers see the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_rdf(graph: Graph, path: str | Path, fmt: RdfFileFormat | None = None) -> None:
    fmt = fmt or RdfFileFormat.from_path(path)
    data = bind_prefixes(graph).serialize(format=fmt.value, encoding="utf-8")
    atomic_write(path, data)


def read_rdf(path: str | Path, fmt: RdfFileFormat | None = None) -> Graph:
    fmt = fmt or RdfFileFormat.from_path(path)
    return bind_prefixes(Graph()).parse(str(path), format=fmt.value)
