"""Human-readable report: grouped by status, one line per finding.

::

    ctj-policy 0.1.0: plan plan.json (scope module.civic-tech-jobs)

    fail (2)
    CTJ022 error   fail    module.civic-tech-jobs...task (projects/civic-tech-jobs/main.tf:42): SQL_HOST is ...
    ...
    pass: 12 results (CTJ003, CTJ010, ...)
    12 passed, 2 failed, 0 unknown, 0 waived

Colour (ANSI) only when the caller asks for it (``color=True``); the CLI asks
only for a terminal without NO_COLOR.  Knows nothing of Terraform.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import FAIL, PASS, UNKNOWN, WAIVED, Report, Result
from . import report_notes
from .escape import visible

_RESET = "\x1b[0m"
_STYLE = {
    FAIL: "\x1b[31m",  # red
    UNKNOWN: "\x1b[33m",  # yellow
    WAIVED: "\x1b[36m",  # cyan
    PASS: "\x1b[32m",  # green
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
}
_GROUPS = (FAIL, UNKNOWN, WAIVED)


def _clean(text: Any) -> str:
    """One line, control characters spelled out (no terminal escape injection from input values)."""
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(text)).replace("\t", " ")
    return visible(text)


ESCAPES = (_clean,)  # for the final redaction pass (ctj_policy.reporters.render)


def _paint(text: str, style: str, color: bool) -> str:
    return f"{_STYLE[style]}{text}{_RESET}" if color else text


def finding_line(r: Result, color: bool = False) -> str:
    """``CTJ022 error   fail    ADDRESS (FILE:LINE): MESSAGE``."""
    where = _clean(r.address) if r.address else "-"
    if r.location is not None:
        site = r.location.call_site  # the module block that instantiated it
        via = f", called at {_clean(site.file)}:{site.line}" if site is not None else ""
        where += f" ({_clean(r.location.file)}:{r.location.line}{via})"
    rule = _paint(r.rule_id, "bold", color)
    status = _paint(f"{r.status:<7}", r.status, color)
    return f"{rule} {r.severity:<7} {status} {where}: {_clean(r.message)}"


def render(report: Report, *, color: bool = False, verbose: bool = False, **_: Any) -> str:
    results = sorted(report.results, key=Result.sort_key)
    info = report.input
    scope = info.scope or "whole input"
    lines = [_clean(f"{report.tool_name} {report.tool_version}: {info.kind} {info.path} (scope {scope})")]

    for status in _GROUPS:
        group = [r for r in results if r.status == status]
        if not group:
            continue
        lines.append("")
        lines.append(_paint(f"{status} ({len(group)})", status, color))
        lines.extend(finding_line(r, color) for r in group)

    passed = [r for r in results if r.status == PASS]
    if passed:
        lines.append("")
        if verbose:
            lines.append(_paint(f"pass ({len(passed)})", PASS, color))
            lines.extend(finding_line(r, color) for r in passed)
        else:
            ids = sorted({r.rule_id for r in passed})
            noun = "result" if len(passed) == 1 else "results"
            lines.append(_paint("pass", PASS, color) + f": {len(passed)} {noun} ({', '.join(ids)})")

    notes = report_notes(report)
    if notes:
        lines.append("")
        lines.append(_paint(f"notes ({len(notes)})", "bold", color))
        lines.extend(f"note: {_clean(n)}" for n in notes)

    counts = report.counts()
    summary = [
        (f"{counts[PASS]} passed", PASS if counts[PASS] else None),
        (f"{counts[FAIL]} failed", FAIL if counts[FAIL] else None),
        (f"{counts[UNKNOWN]} unknown", UNKNOWN if counts[UNKNOWN] else None),
        (f"{counts[WAIVED]} waived", WAIVED if counts[WAIVED] else None),
    ]
    lines.append("")
    lines.append(", ".join(_paint(text, style, color) if style else text for text, style in summary))
    return "\n".join(lines) + "\n"
