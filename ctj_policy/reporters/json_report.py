"""The JSON report, schema_version 1 (SPEC section 5; schema in schemas/report.schema.json).

Key order is the documented one; results are sorted by (rule_id, address,
message); identical input gives byte-identical output (indent 2, trailing
newline).  Knows nothing of Terraform.
"""

from __future__ import annotations

from typing import Any

from ..model import FAIL, PASS, UNKNOWN, WAIVED, Report, Result
from . import baseline_summary, locations, report_notes
from .escape import dump_json as dump

SCHEMA_VERSION = 1
OUTPUT = "json"  # the final redaction pass decodes it and redacts string values


def _location(r: Result, scope: str = "") -> dict | None:
    """The primary location, and ``related`` (only when there is one: the block inside a shared module)."""
    place = locations.place(r.location, scope)
    if place.primary is None:
        return None
    out: dict[str, Any] = {"file": place.primary.file, "line": place.primary.line}
    if place.related:
        out["related"] = [
            {"file": x.location.file, "line": x.location.line, "message": x.message} for x in place.related
        ]
    return out


def to_dict(report: Report) -> dict:
    counts = report.counts()
    info = report.input
    doc = {
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
        "results": [_result(r, info.scope) for r in sorted(report.results, key=_order)],
        # what the loader could not check (schema: optional, added after schema_version 1's first keys)
        "notes": report_notes(report),
    }
    if baseline_summary.used(report):
        _add_baseline(doc, report)
    return doc


def _add_baseline(doc: dict, report: Report) -> None:
    """With --baseline: ``summary.baseline/new/unchanged/fixed`` and each compared result's ``baseline``."""
    c = baseline_summary.counts(report)
    doc["summary"].update(
        baseline=baseline_summary.path(report), new=c["new"], unchanged=c["unchanged"], fixed=baseline_summary.fixed(report)
    )
    for entry, r in zip(doc["results"], sorted(report.results, key=_order), strict=True):
        if r.baseline:
            entry["baseline"] = r.baseline


def _result(r: Result, scope: str) -> dict:
    out = {
        "rule_id": r.rule_id,
        "title": r.title,
        "severity": r.severity,
        "status": r.status,
        "message": r.message,
        "address": r.address,
        "location": _location(r, scope),
    }
    if r.caused_by:  # only on a consequence: the rule ID of the failing result it follows from
        out["caused_by"] = r.caused_by
    return out


def _order(r: Result) -> tuple:
    # (rule_id, address, message) as documented; the rest only breaks ties
    loc = r.location
    return (*r.sort_key(), r.status, r.severity, r.title, loc.file if loc else "", loc.line if loc else -1)


def render(report: Report, **_: Any) -> str:
    return dump(to_dict(report))
