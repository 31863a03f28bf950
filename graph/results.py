"""Query results as CSV, TSV and SPARQL JSON text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from .store import QueryResult

__all__ = ["to_csv", "to_json", "to_tsv", "cell_text"]

_XSD = "http://www.w3.org/2001/XMLSchema#"


def cell_text(value) -> str:
    """A value as plain text (dates ISO, whole decimals without .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _delimited(result: QueryResult, dialect: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="," if dialect == "csv" else "\t", lineterminator="\n")
    if result.kind == "ask":
        writer.writerow(["boolean"])
        writer.writerow([cell_text(result.boolean)])
    else:
        writer.writerow(result.variables)
        writer.writerows([cell_text(v) for v in row] for row in result.rows)
    return out.getvalue()


def to_csv(result: QueryResult) -> str:
    return _delimited(result, "csv")


def to_tsv(result: QueryResult) -> str:
    return _delimited(result, "tsv")


def _json_term(value) -> dict:
    if isinstance(value, str) and value.startswith(("http://", "https://", "urn:")):
        return {"type": "uri", "value": value}
    if isinstance(value, bool):
        return {"type": "literal", "value": cell_text(value), "datatype": _XSD + "boolean"}
    if isinstance(value, int):
        return {"type": "literal", "value": str(value), "datatype": _XSD + "integer"}
    if isinstance(value, float):
        return {"type": "literal", "value": cell_text(value), "datatype": _XSD + "decimal"}
    if isinstance(value, dt.date):
        return {"type": "literal", "value": value.isoformat(), "datatype": _XSD + "date"}
    return {"type": "literal", "value": str(value)}


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean})
    bindings = [
        {var: _json_term(value) for var, value in zip(result.variables, row, strict=False) if value is not None}
        for row in result.rows
    ]
    return json.dumps({"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}},
                      ensure_ascii=False)
