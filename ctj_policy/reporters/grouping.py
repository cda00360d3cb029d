"""Consequences shown once, under their cause (``Result.caused_by``, set by ctj_policy.causes).

Reporters only render the link: which results follow from which failing rule,
the result of that rule they are shown under, and the short list of changes
that clear most findings.  Knows nothing of Terraform.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..model import FAIL, UNKNOWN, Result

PROBLEMS = (FAIL, UNKNOWN)


def anchors(results: list[Result]) -> dict[str, Result]:
    """Cause rule ID -> the result its consequences are shown under: the rule's first failing or
    undecided result (in the given order) that follows from nothing.  A cause with no such result
    has no anchor, and its consequences are shown on their own."""
    causes = {r.caused_by for r in results if r.caused_by}
    out: dict[str, Result] = {}
    for r in results:
        if r.rule_id in causes and r.rule_id not in out and r.status in PROBLEMS and not r.caused_by:
            out[r.rule_id] = r
    return out


def grouped(results: list[Result]) -> tuple[list[Result], dict[int, list[Result]]]:
    """(the results shown on their own, id(anchor) -> the consequences shown under it)."""
    heads = anchors(results)
    own: list[Result] = []
    under: dict[int, list[Result]] = {}
    for r in results:
        anchor = heads.get(r.caused_by) if r.caused_by else None
        if anchor is None:
            own.append(r)
        else:
            under.setdefault(id(anchor), []).append(r)
    return own, under


def rule_counts(consequences: list[Result]) -> str:
    """``CTJ004 ×2, CTJ021, CTJ022``: the rules of a group of consequences, with how many results each."""
    counts = Counter(r.rule_id for r in consequences)
    return ", ".join(rule if n == 1 else f"{rule} \u00d7{n}" for rule, n in sorted(counts.items()))


def follow_header(consequences: list[Result]) -> str:
    n = len(consequences)
    noun = "result follows" if n == 1 else "results follow"
    return f"{n} more {noun} from this one (their rules need what it reports missing):"


def follow_note(consequences: list[Result]) -> str:
    n = len(consequences)
    return (
        f"{n} {'result' if n == 1 else 'results'} of rules that need what this reports missing "
        f"{'follows' if n == 1 else 'follow'} from it: {rule_counts(consequences)}"
    )


@dataclass(frozen=True)
class Change:
    """One fix: what a rule reports (its own failing/undecided results) and what follows from it."""

    rule_id: str
    title: str
    own: int
    follows: int

    @property
    def clears(self) -> int:
        return self.own + self.follows


def changes(results: list[Result]) -> list[Change]:
    """Per rule with failing or undecided results of its own, how many findings fixing it clears
    (most first, then by rule ID)."""
    own: Counter = Counter()
    follows: Counter = Counter()
    titles: dict[str, str] = {}
    heads = anchors(results)
    for r in results:
        if r.status not in PROBLEMS:
            continue
        if r.caused_by and r.caused_by in heads:
            follows[r.caused_by] += 1
        else:
            own[r.rule_id] += 1
            titles.setdefault(r.rule_id, r.title)
    out = [Change(rule, titles[rule], own[rule], follows[rule]) for rule in own]
    return sorted(out, key=lambda c: (-c.clears, c.rule_id))
