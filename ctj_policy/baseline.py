"""Baselines: the failing and unknown results a team accepts while a migration is under way (SPEC 10).

``ctj-policy baseline TARGET`` records today's failing and unknown results as fingerprints;
``check --baseline FILE`` then reports results whose fingerprint is recorded as ``unchanged`` (they do
not count for the exit code), the others as ``new``, and lists recorded entries no longer found as
fixed, so the file can shrink to nothing at the cutover.

A fingerprint is the rule, the address (with instance keys) and the finding's subject (the container,
the variable, the path pattern ... it is about; see :class:`~ctj_policy.model.Subject`). It never holds
a line number, a file path or a value, so moved lines and reformatting keep it, and the file holds no
secret. A result without a subject falls back to a digest of its (already redacted) message.

Matching is by count: a baseline entry accepts one result. A second failure of the same kind on the
same address is new. An expired waiver is never accepted by a baseline.

Standard library only; reporters never see this module, only the ``baseline`` field it sets.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import InputError
from .model import FAIL, UNKNOWN, Result

SCHEMA_VERSION = 1
DEFAULT_FILE = ".ctj-policy-baseline.json"
NEW = "new"
UNCHANGED = "unchanged"
# the subject kind the engine gives the result that reports an expired waiver
EXPIRED_WAIVER = "waiver"
_MAX_BYTES = 16 * 1024 * 1024


class BaselineError(InputError):
    """A baseline file that cannot be used (exit 2)."""


@dataclass(frozen=True, order=True)
class Fingerprint:
    """One accepted result: rule, address and subject; no lines, paths or values.

    ``detail`` tells apart results that share rule, address and subject (a service gets a second
    CTJ026 finding: the new one is the one the file did not have): a digest of the redacted message
    with its digits left out. It is not part of the identity: when no entry has the same detail (a
    reworded message), a result still matches by rule, address and subject."""

    rule: str
    address: str
    subject: str
    detail: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, str]:
        out = {"rule": self.rule, "address": self.address, "subject": self.subject}
        if self.detail:
            out["detail"] = self.detail
        return out

    def exact(self) -> tuple[str, str, str, str]:
        return (self.rule, self.address, self.subject, self.detail)


@dataclass(frozen=True)
class Baseline:
    """A parsed baseline file."""

    entries: tuple[Fingerprint, ...]
    path: str = ""


@dataclass(frozen=True)
class Outcome:
    """Results marked new/unchanged, and the recorded entries no longer found."""

    results: list[Result]
    fixed: list[Fingerprint]
    path: str = ""  # the baseline file (reports name it)

    def counts(self) -> dict[str, int]:
        marks = Counter(r.baseline for r in self.results if r.baseline)
        return {NEW: marks[NEW], UNCHANGED: marks[UNCHANGED], "fixed": len(self.fixed)}


def fingerprint(result: Result) -> Fingerprint | None:
    """The result's fingerprint, or None when no baseline may accept it (an expired waiver)."""
    subject = result.subject
    if subject is not None and subject.kind == EXPIRED_WAIVER:
        return None
    key = subject.key() if subject is not None else "message:" + _digest(result.message)
    return Fingerprint(result.rule_id, result.address or "", key, _digest(_DIGITS.sub("#", result.message)))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_DIGITS = re.compile(r"[0-9]+")


def accepted(results: Iterable[Result]) -> list[Fingerprint]:
    """The fingerprints a new baseline records: every failing or unknown result, sorted."""
    out = []
    for r in results:
        if r.status in (FAIL, UNKNOWN):
            fp = fingerprint(r)
            if fp is not None:
                out.append(fp)
    return _sorted(out)


def _sorted(entries: Iterable[Fingerprint]) -> list[Fingerprint]:
    return sorted(entries, key=Fingerprint.exact)


def dumps(entries: Iterable[Fingerprint]) -> str:
    """The baseline file's text: deterministic, sorted, one entry per line for reviewable diffs."""
    rows = _sorted(entries)
    lines = [json.dumps(fp.as_dict(), sort_keys=True) for fp in rows]
    body = ",\n    ".join(lines)
    entries_text = f"[\n    {body}\n  ]" if lines else "[]"
    return (
        "{\n"
        f'  "schema_version": {SCHEMA_VERSION},\n'
        '  "tool": "ctj-policy",\n'
        '  "about": "results accepted until the Stage 1 cutover; see docs/incubator.md. Regenerate with '
        'ctj-policy baseline; delete entries as they are fixed",\n'
        f'  "entries": {entries_text}\n'
        "}\n"
    )


def loads(text: str, path: str = "") -> Baseline:
    """Parse a baseline file's text; BaselineError (one line) when it is not one."""
    where = path or "baseline"
    if len(text) > _MAX_BYTES:
        raise BaselineError(f"{where}: baseline file is larger than {_MAX_BYTES // (1024 * 1024)} MiB")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BaselineError(f"{where}: not a ctj-policy baseline (invalid JSON: {_first_line(exc)})") from None
    if not isinstance(doc, dict) or doc.get("tool") != "ctj-policy" or "entries" not in doc:
        raise BaselineError(f"{where}: not a ctj-policy baseline (create one with `ctj-policy baseline TARGET`)")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise BaselineError(f"{where}: baseline schema_version {doc.get('schema_version')!r} is not supported (expected {SCHEMA_VERSION})")
    entries = doc["entries"]
    if not isinstance(entries, list):
        raise BaselineError(f"{where}: baseline 'entries' must be a list")
    out = []
    for i, entry in enumerate(entries):
        out.append(_entry(entry, where, i))
    return Baseline(tuple(out), path)


def read(path: str) -> Baseline:
    """Read a baseline file; BaselineError when it is missing or invalid."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with `ctj-policy baseline TARGET --output {path}`)") from None
    except IsADirectoryError:
        raise BaselineError(f"{path}: is a directory, not a baseline file") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: not a ctj-policy baseline (not UTF-8 text)") from None
    return loads(text, path)


def apply(results: Iterable[Result], baseline: Baseline) -> Outcome:
    """Mark failing/unknown results ``unchanged`` (accepted by an entry) or ``new``; list the fixed entries.

    Each entry accepts one result. Entries whose ``detail`` matches a result's are used first, so when
    a task gains a second finding of a rule, the one it had stays unchanged and the other is new; then
    results are matched by rule, address and subject alone, in their (sorted, deterministic) order."""
    results = list(results)
    unused: dict[Fingerprint, list[Fingerprint]] = {}
    for entry in _sorted(baseline.entries):
        unused.setdefault(entry, []).append(entry)
    prints = [fingerprint(r) if r.status in (FAIL, UNKNOWN) else None for r in results]
    marks: list[str | None] = [None] * len(results)
    for i, fp in enumerate(prints):  # first pass: rule, address, subject and detail
        pool = unused.get(fp, []) if fp is not None else []
        same = next((e for e in pool if e.detail == fp.detail), None) if fp is not None else None
        if same is not None:
            pool.remove(same)
            marks[i] = UNCHANGED
    for i, fp in enumerate(prints):  # second pass: rule, address, subject; an entry without detail first
        if fp is None or marks[i] is not None:
            continue
        pool = unused.get(fp, [])
        if pool:
            pool.remove(min(pool, key=lambda e: e.detail != ""))
            marks[i] = UNCHANGED
    out = []
    for r, mark in zip(results, marks, strict=True):
        if r.status in (FAIL, UNKNOWN):
            r = replace(r, baseline=mark or NEW)
        out.append(r)
    return Outcome(out, _sorted(e for pool in unused.values() for e in pool), baseline.path)


def _entry(entry: Any, where: str, i: int) -> Fingerprint:
    if not isinstance(entry, dict):
        raise BaselineError(f"{where}: baseline entry {i + 1} is not an object")
    values = []
    for key in ("rule", "address", "subject"):
        value = entry.get(key)
        if not isinstance(value, str):
            raise BaselineError(f"{where}: baseline entry {i + 1} has no string {key!r}")
        values.append(value)
    detail = entry.get("detail", "")
    if not isinstance(detail, str):
        raise BaselineError(f"{where}: baseline entry {i + 1} has a 'detail' that is not a string")
    rule, address, subject = values
    return Fingerprint(rule.strip().upper(), address, subject, detail)


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
