"""Human-readable report: grouped by status, one line per finding.

::

    ctj-policy 0.1.0: plan plan.json (scope module.civic-tech-jobs)

    fail (2)
    CTJ022 error   fail    module...task (projects/civic-tech-jobs/env.tf:19 via modules/container/main.tf:68): ...
    ...
    pass: 12 results (CTJ003, CTJ010, ...)
    12 passed, 2 failed, 0 unknown, 0 waived

A result that follows from another (``caused_by``: CTJ022 when CTJ001 finds no
backend container) is shown once, under its cause, as one line per rule
(``--verbose``: the whole finding).

With ``--baseline`` each failing/unknown line starts with ``new`` or ``known`` (new ones first), the
baseline entries no longer found are listed as ``fixed``, and a last line says
``N new, M known (baseline), K fixed (FILE)``.

Colour (ANSI) only when the caller asks for it (``color=True``); the CLI asks
only for a terminal without NO_COLOR.  Knows nothing of Terraform.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import FAIL, PASS, UNKNOWN, WAIVED, Report, Result
from . import baseline_summary, locations, report_notes
from .escape import visible
from .grouping import follow_header, grouped

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


def finding_line(r: Result, color: bool = False, scope: str = "") -> str:
    """``CTJ022 error   fail    ADDRESS (FILE:LINE via SHARED-FILE:LINE): MESSAGE``."""
    where = _clean(r.address) if r.address else "-"
    place = locations.place(r.location, scope)
    if place.primary is not None:
        where += f" ({_clean(place.primary.file)}:{place.primary.line}{_clean(locations.via(place))})"
    rule = _paint(r.rule_id, "bold", color)
    status = _paint(f"{r.status:<7}", r.status, color)
    return f"{rule} {r.severity:<7} {status} {where}: {_clean(r.message)}"


def consequence_lines(consequences: list[Result], color: bool = False, verbose: bool = False, scope: str = "") -> list[str]:
    """Under a cause: one line saying what follows from it, then one indented line per consequence
    (rule, severity, status, title; with ``verbose`` the whole finding)."""
    if not consequences:
        return []
    lines = ["  \u21b3 " + _paint(_clean(follow_header(consequences)), "dim", color)]
    if verbose:
        return lines + ["      " + finding_line(r, color, scope) for r in consequences]
    kinds: dict[tuple, int] = {}
    for r in consequences:
        key = (r.rule_id, r.severity, r.status, r.title)
        kinds[key] = kinds.get(key, 0) + 1
    for (rule_id, severity, status, title), n in kinds.items():
        more = f" ({n} results)" if n > 1 else ""
        status_text = _paint(f"{status:<7}", status, color)
        lines.append(f"      {_paint(rule_id, 'bold', color)} {severity:<7} {status_text} {_clean(title)}{more}")
    return lines


def render(report: Report, *, color: bool = False, verbose: bool = False, **_: Any) -> str:
    results = sorted(report.results, key=Result.sort_key)
    info = report.input
    scope = info.scope or "whole input"
    lines = [_clean(f"{report.tool_name} {report.tool_version}: {info.kind} {info.path} (scope {scope})")]

    shown, under = grouped(results)  # a consequence is shown once, under its cause
    for status in _GROUPS:
        group = [r for r in results if r.status == status]
        if not group:
            continue
        lines.append("")
        lines.append(_paint(f"{status} ({len(group)})", status, color))
        here = [r for r in shown if r.status == status]
        if baseline_summary.used(report):
            lines.extend(_baseline_lines(here, under, color, verbose, info.scope))
        else:
            for r in here:
                lines.append(finding_line(r, color, info.scope))
                lines.extend(consequence_lines(under.get(id(r), []), color, verbose, info.scope))

    passed = [r for r in results if r.status == PASS]
    if passed:
        lines.append("")
        if verbose:
            lines.append(_paint(f"pass ({len(passed)})", PASS, color))
            lines.extend(finding_line(r, color, info.scope) for r in passed)
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
    if baseline_summary.used(report):
        lines.extend(_fixed_lines(report))
    lines.append("")
    lines.append(", ".join(_paint(text, style, color) if style else text for text, style in summary))
    if baseline_summary.used(report):
        lines.append(_clean(f"{baseline_summary.summary(report)} ({baseline_summary.path(report)})"))
    return "\n".join(lines) + "\n"


def _baseline_lines(group: list[Result], under: dict, color: bool, verbose: bool, scope: str = "") -> list[str]:
    """With --baseline: new results first, each line marked ``new`` or ``known``, its consequences under it."""
    lines = []
    for known in (False, True):
        for r in (r for r in group if baseline_summary.is_known(r) is known):
            lines.append(_paint(f"known {finding_line(r, False, scope)}", "dim", color) if known
                         else f"new   {finding_line(r, color, scope)}")
            lines.extend(consequence_lines(under.get(id(r), []), color, verbose, scope))
    return lines


def _fixed_lines(report: Report) -> list[str]:
    fixed = baseline_summary.fixed(report)
    if not fixed:
        return []
    lines = ["", f"fixed ({len(fixed)}): in the baseline, no longer found; regenerate it with `ctj-policy baseline`"]
    for e in fixed:
        lines.append(_clean(f"fixed {e['rule_id']} {e['address'] or '-'} ({e['subject']})"))
    return lines
