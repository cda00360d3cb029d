"""The JSON report, schema_version 1 (SPEC section 5; schema in schemas/report.schema.json).

Key order is the documented one; results are sorted by (rule_id, address,
message); identical input gives byte-identical output (indent 2, trailing
newline).  Knows nothing of Terraform.
"""

from __future__ import annotations

from typing import Any

from ..model import FAIL, PASS, UNKNOWN, WAIVED, Report, Result
from . import report_notes
from .escape import dump_json as dump

SCHEMA_VERSION = 1
OUTPUT = "json"  # the final redaction pass decodes it and redacts string values


def _location(r: Result) -> dict | None:
    if r.location is None:
        return None
    return {"file": r.location.file, "line": r.location.line}


def to_dict(report: Report) -> dict:
    counts = report.counts()
    info = report.input
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": report.tool_name, "version": report.tool_version},
        "input": {
            "kind": info.kind,
            "path": info.path,
            "format_version": info.format_version,
            "terraform_version": info.terraform_version,
            "scope": info.scope,
        },
        "summary": {
            "pass": counts[PASS],
            "fail": counts[FAIL],
            "unknown": counts[UNKNOWN],
            "waived": counts[WAIVED],
            "exit_code": report.exit_code,
        },
        "results": [
            {
                "rule_id": r.rule_id,
                "title": r.title,
                "severity": r.severity,
                "status": r.status,
                "message": r.message,
                "address": r.address,
                "location": _location(r),
            }
            for r in sorted(report.results, key=_order)
        ],
        # what the loader could not check (schema: optional, added after schema_version 1's first keys)
        "notes": report_notes(report),
    }


def _order(r: Result) -> tuple:
    # (rule_id, address, message) as documented; the rest only breaks ties
    loc = r.location
    return (*r.sort_key(), r.status, r.severity, r.title, loc.file if loc else "", loc.line if loc else -1)


def render(report: Report, **_: Any) -> str:
    return dump(to_dict(report))
