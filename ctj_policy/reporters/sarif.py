"""SARIF 2.1.0 for GitHub code scanning (``--format sarif``).

One run; ``tool.driver`` carries every rule's metadata (from
``ctj_policy.rules.ALL_RULES``, imported lazily) so code scanning can show the
rationale and the remediation next to an alert.

What becomes a SARIF ``result``:

* ``fail``    -> level ``error`` (error-severity rules) or ``warning``;
* ``unknown`` -> level ``warning`` (``note`` for warning-severity rules, and for
  every rule under ``--allow-unknown``), the message saying it could not be
  decided;
* ``waived``  -> the finding, with an accepted external ``suppression`` whose
  justification is the waiver's reason (code scanning shows it as dismissed);
* ``pass``    -> nothing: code scanning only tracks problems, and a result
  missing from the next upload is how an alert gets closed.

A result that follows from another (``caused_by``) stays a result, with
``properties.causedBy`` (the cause's rule ID) and a message that says so; the
cause's message names what follows from it.

With ``--baseline`` each of them has ``baselineState`` (``new`` or ``unchanged``), and each baseline
entry no longer found is a result of kind ``pass``, level ``none``, ``baselineState: "absent"``.

Locations are relative to the repository root: the result's primary ``.tf``
location when known, else the plan file the run checked.  A block built inside
a module the project calls is shown at the project's call site, the block
itself being a ``relatedLocations`` entry (ctj_policy.reporters.locations).  ``partialFingerprints`` is a
hash of (rule, address, message without volatile parts), so an alert keeps its
identity across runs even when line numbers move.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from ..model import ERROR, PASS, UNKNOWN, WAIVED, Location, Report, Result
from . import baseline_summary, locations, report_notes
from .escape import dump_json as dump
from .grouping import follow_note, grouped

OUTPUT = "json"  # the final redaction pass decodes it and redacts string values
ESCAPES = (quote,)  # artifact URIs are percent-encoded

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# used when the installed package declares no Homepage/Repository URL
DEFAULT_INFORMATION_URI = "https://github.com/hackforla/CivicTechJobs"
FINGERPRINT_KEY = "ctjPolicyFindingHash/v1"
BASELINE_FINGERPRINT_KEY = "ctjPolicyBaselineEntry/v1"  # a fixed baseline entry (rule, address, subject)
STDIN_URI = "stdin"  # artifact of results located only "in the plan" when it came from stdin

SECURITY_SEVERITY = {ERROR: "8.0", "warning": "4.0"}  # high / medium on GitHub
LEVEL = {ERROR: "error", "warning": "warning"}


def render(
    report: Report, *, root: str | os.PathLike | None = None, information_uri: str | None = None, **_: Any
) -> str:
    """The SARIF log as JSON text (stable: identical report -> identical bytes).

    ``root`` is the repository root that locations are made relative to
    (default: the current directory); ``information_uri`` overrides the tool's
    home page.
    """
    base = Path(root) if root is not None else Path.cwd()
    info_uri = information_uri or _information_uri()
    rules = _rule_descriptors(report.results)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = [_result(r, report, base, index) for r in report.results if r.status != PASS]
    _group_consequences(report.results, results)
    results += _absent_results(report, base, index)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool_name,
                "version": report.tool_version,
                "semanticVersion": report.tool_version if _SEMVER.match(report.tool_version or "") else None,
                "informationUri": info_uri,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"{report.tool_name}/{report.input.scope or 'all'}/"},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "input": {
                "kind": report.input.kind,
                "path": report.input.path,
                "formatVersion": report.input.format_version,
                "terraformVersion": report.input.terraform_version,
                "scope": report.input.scope,
            },
            "summary": report.counts(),
            "exitCode": report.exit_code,
            "allowUnknown": report.allow_unknown,
        },
    }
    if baseline_summary.used(report):
        run["properties"]["baseline"] = {"file": baseline_summary.path(report), **baseline_summary.counts(report)}
    notes = report_notes(report)
    if notes:  # what was not checked: tool execution notifications of the run's invocation
        run["invocations"] = [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [{"level": "warning", "message": {"text": n}} for n in notes],
            }
        ]
    if run["tool"]["driver"]["semanticVersion"] is None:
        del run["tool"]["driver"]["semanticVersion"]
    log = {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [_drop_none(run)]}
    return dump(log)


_SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


# --------------------------------------------------------------------------
# rules
# --------------------------------------------------------------------------


def _information_uri() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        meta = metadata("ctj-policy")
    except (ImportError, PackageNotFoundError):  # running from a source tree
        return DEFAULT_INFORMATION_URI
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "repository", "source", "documentation") and url.strip().startswith(
            "http"
        ):
            return url.strip()
    home = meta.get("Home-page")
    return home if home and home.startswith("http") else DEFAULT_INFORMATION_URI


def _all_rules() -> list:
    try:
        from ..rules import ALL_RULES  # lazy: the rules are only needed here
    except ImportError:  # the rules package is being written; results still carry titles
        return []
    return list(ALL_RULES)


def _rule_descriptors(results: list[Result]) -> list[dict]:
    out: list[dict] = []
    seen: set[str] = set()
    for rule in sorted(_all_rules(), key=lambda r: r.id):
        seen.add(rule.id)
        out.append(_descriptor(rule.id, rule.title, rule.severity, rule.rationale, rule.remediation, rule.doc_link))
    # results whose rule is not in the registry (an expired waiver's pattern, or
    # rules loaded from elsewhere): describe them from what the result carries
    for r in sorted(results, key=Result.sort_key):
        if r.rule_id not in seen:
            seen.add(r.rule_id)
            out.append(_descriptor(r.rule_id, r.title, r.severity, "", "", ""))
    return out


def _descriptor(rule_id: str, title: str, severity: str, rationale: str, remediation: str, doc_link: str) -> dict:
    title = title or rule_id
    full = rationale.strip() or title
    help_text = full
    help_md = f"**{rule_id}: {title}**\n\n{full}"
    if remediation:
        help_text += f"\n\nRemediation: {remediation.strip()}"
        help_md += f"\n\n**Remediation.** {remediation.strip()}"
    if doc_link:
        help_text += f"\n\nDocumentation: {doc_link}"
        help_md += f"\n\nDocumentation: `{doc_link}`"
    desc: dict[str, Any] = {
        "id": rule_id,
        "name": _pascal(title) or rule_id,
        "shortDescription": {"text": _limit(f"{rule_id}: {title}", 1024)},
        "fullDescription": {"text": _limit(full, 1024)},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": LEVEL.get(severity, "warning")},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(severity, "4.0"),
            "precision": "high",
            "problem.severity": "error" if severity == ERROR else "warning",
            "tags": ["security", "terraform", "ecs", "ctj-policy"],
        },
    }
    if doc_link.startswith(("http://", "https://")):
        desc["helpUri"] = doc_link
    return desc


def _pascal(title: str) -> str:
    """``one task, three containers`` -> ``OneTaskThreeContainers`` (SARIF rule names are identifiers)."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words)[:255]


def _limit(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------


def _result(r: Result, report: Report, base: Path, index: dict[str, int]) -> dict:
    if r.status == UNKNOWN:
        gating = r.severity == ERROR and not report.allow_unknown
        level = "warning" if gating else "note"
        text = f"Could not be decided ({'counts as failing' if gating else 'not gating'}): {r.message}"
    elif r.status == WAIVED:
        level = LEVEL.get(r.severity, "warning")
        text = r.message
    else:  # FAIL
        level = LEVEL.get(r.severity, "warning")
        text = r.message
    if r.address and r.address not in text and (r.location is None or not r.location.file):
        text = f"{text} [{r.address}]"  # the location is only the plan file
    place = locations.placement(r, report)
    out: dict[str, Any] = {
        "ruleId": r.rule_id,
        "ruleIndex": index[r.rule_id],
        "kind": "fail",
        "level": level,
        "message": {"text": text},
        "locations": _locations(r, report, base, place.primary),  # GitHub needs one
        "relatedLocations": _related(place, base) or None,
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(r)},
        "properties": {"status": r.status, "severity": r.severity, "address": r.address},
    }
    if r.baseline:  # with --baseline: "new" or "unchanged"
        out["baselineState"] = r.baseline
    if r.status == WAIVED:
        out["suppressions"] = [{"kind": "external", "status": "accepted", "justification": r.waiver_reason or "waived"}]
    return out


def _group_consequences(results: list[Result], out: list[dict]) -> None:
    """A result that follows from another keeps its SARIF result (code scanning tracks each) with
    ``properties.causedBy`` and a message saying so; its cause's message names what follows from it."""
    problems = [r for r in results if r.status != PASS]  # the order of ``out``
    _, under = grouped(sorted(problems, key=Result.sort_key))
    for r, sarif in zip(problems, out, strict=True):
        if r.caused_by:
            sarif["properties"]["causedBy"] = r.caused_by
            sarif["message"]["text"] = f"Follows from {r.caused_by} (fix that first): {sarif['message']['text']}"
        if id(r) in under:
            sarif["properties"]["consequences"] = sorted({c.rule_id for c in under[id(r)]})
            sarif["message"]["text"] += f" ({follow_note(under[id(r)])})"


def _absent_results(report: Report, base: Path, index: dict[str, int]) -> list[dict]:
    """With --baseline: one ``baselineState: "absent"`` result (kind ``pass``, level ``none``) per fixed entry.

    A baseline entry has no location (it holds no paths): the result points at the checked input."""
    out = []
    where = baseline_summary.path(report) or "the baseline"
    for entry in baseline_summary.fixed(report):
        rule_id, address, subject = entry["rule_id"], entry["address"], entry["subject"]
        text = (f"Fixed: {rule_id} on {address or 'the deployment'} ({subject}) is recorded in {where} "
                "but no longer found; regenerate the baseline to drop it")
        stub = Result(rule_id, "", "warning", PASS, text, address)
        raw = "\x1f".join((rule_id, address or "", subject))
        out.append({
            "ruleId": rule_id,
            **({"ruleIndex": index[rule_id]} if rule_id in index else {}),
            "kind": "pass",
            "level": "none",
            "baselineState": "absent",
            "message": {"text": text},
            "locations": _locations(stub, report, base, None),
            "partialFingerprints": {BASELINE_FINGERPRINT_KEY: hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]},
            "properties": {"status": "fixed", "address": address, "subject": subject},
        })
    return out


# digits and hex runs, quoted dates/ARNs with account-specific suffixes: the
# parts of a message that change without the finding changing
_VOLATILE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b[0-9a-f]{8,}\b|\[waived: .*\]$", re.IGNORECASE)


def fingerprint(r: Result) -> str:
    """Stable identity of a finding: rule, address, message minus volatile bits."""
    message = _VOLATILE.sub("#", r.message or "")
    message = re.sub(r"\s+", " ", message).strip()
    raw = "\x1f".join((r.rule_id, r.address or "", message))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _physical(location: Location, base: Path) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(location.file, base)}}
    if isinstance(location.line, int) and location.line >= 1:
        physical["region"] = {"startLine": location.line}
    return physical


def _related(place: locations.Placement, base: Path) -> list[dict]:
    """The block inside a shared module (and the module calls between), as ``relatedLocations``."""
    return [
        {"id": i, "physicalLocation": _physical(rel.location, base), "message": {"text": rel.message}}
        for i, rel in enumerate(place.related, start=1)
        if rel.location.file
    ]


def _locations(r: Result, report: Report, base: Path, primary: Location | None) -> list[dict]:
    """Exactly one location: the primary .tf source when known (ctj_policy.reporters.locations), else the plan file."""
    if primary is not None and primary.file:
        loc: dict[str, Any] = {"physicalLocation": _physical(primary, base)}
        if r.address:
            loc["logicalLocations"] = [{"fullyQualifiedName": r.address, "kind": "resource"}]
        return [loc]
    path = report.input.path
    # the finding concerns the whole plan: anchor it on the file's first line
    # (code scanning needs a location with a region to show an alert)
    if not path or path == "-":  # stdin: no file to point at; name the stream
        artifact = {"uri": STDIN_URI, "description": {"text": "the plan read from standard input"}}
    else:
        artifact = {"uri": artifact_uri(path, base)}
    loc = {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": 1}}}
    if r.address:
        loc["logicalLocations"] = [{"fullyQualifiedName": r.address, "kind": "resource"}]
    return [loc]


def artifact_uri(path: str, base: Path) -> str:
    """A URI for ``path``: relative (posix, percent-encoded) when it lies under
    ``base`` or is already relative; an absolute ``file:`` URI otherwise."""
    p = Path(path)
    if p.is_absolute():
        try:
            rel = p.resolve().relative_to(base.resolve())
        except ValueError:
            return p.resolve().as_uri()
        return quote(PurePosixPath(*rel.parts).as_posix())
    posix = str(path).replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    if posix.startswith("../") or posix == "..":
        return (base / p).resolve().as_uri()
    return quote(posix)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value
