"""What every format says about a baseline (``check --baseline``, SPEC section 10).

The CLI puts the comparison on the report: each failing or undecided result carries
``baseline = "new" | "unchanged"`` and ``report.baseline`` names the file and the entries it
recorded that were not found this time (``fixed``, each with ``rule``, ``address``, ``subject``).
Without a baseline ``report.baseline`` is None and no format changes.  Knows nothing of Terraform.
"""

from __future__ import annotations

from typing import Any

from ..model import Report, Result

NEW = "new"
UNCHANGED = "unchanged"


def used(report: Report) -> bool:
    return getattr(report, "baseline", None) is not None


def counts(report: Report) -> dict[str, int]:
    """``{"new": n, "unchanged": m, "fixed": k}`` (zeros without a baseline)."""
    marks = [r.baseline for r in report.results]
    fixed = len(report.baseline.fixed) if used(report) else 0
    return {NEW: marks.count(NEW), UNCHANGED: marks.count(UNCHANGED), "fixed": fixed}


def summary(report: Report) -> str:
    """``N new, M known (baseline), K fixed``: the one line text and Markdown print."""
    c = counts(report)
    return f"{c[NEW]} new, {c[UNCHANGED]} known (baseline), {c['fixed']} fixed"


def fixed(report: Report) -> list[dict[str, Any]]:
    """The recorded entries no longer found, as the JSON report lists them (sorted, value-free)."""
    if not used(report):
        return []
    return [{"rule_id": e.rule, "address": e.address or None, "subject": e.subject} for e in report.baseline.fixed]


def path(report: Report) -> str:
    return str(getattr(report.baseline, "path", "") or "") if used(report) else ""


def is_known(r: Result) -> bool:
    return r.baseline == UNCHANGED
