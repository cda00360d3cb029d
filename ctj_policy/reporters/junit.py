"""JUnit XML (``--format junit``) for CI test-report views.

One ``<testsuite>`` per rule, one ``<testcase>`` per result:

* ``pass``    -> a plain testcase;
* ``fail``    -> ``<failure>`` carrying the message (``type`` is the rule's
  severity, so a warning-severity failure can be told apart);
* ``unknown`` -> ``<failure type="unknown">`` (it counts as failing), or
  ``<skipped>`` under ``--allow-unknown``;
* ``waived``  -> ``<skipped>`` with the waiver's reason;
* with ``--baseline``, a failing or undecided result the baseline records (``unchanged``) ->
  ``<skipped>`` "known (baseline)": it does not fail the check, so it does not fail the test run.
  A new one fails as without a baseline, its details saying ``baseline: new``.

A result that follows from another (``caused_by``) stays a testcase (the
counts are the verdicts); its failure says which rule it follows from, and the
cause's failure names what follows from it.

Output is deterministic: no timestamps, ``time="0"``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from ..model import FAIL, UNKNOWN, WAIVED, Report, Result
from . import baseline_summary, locations, report_notes
from .escape import visible
from .grouping import follow_note, grouped

# non-characters XML 1.0 cannot carry (control characters: see escape.visible)
_NONCHARACTERS = re.compile("[\ufffe\uffff]")


def _clean(text: Any) -> str:
    """Control characters spelled out (XML 1.0 cannot carry most of them, CI viewers print the rest raw)."""
    return _NONCHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", visible(text))


OUTPUT = "xml"  # the final redaction pass parses it and redacts attribute values and text
_XML_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_XML_ATTR = {**_XML_TEXT, '"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _xml_text(s: str) -> str:
    return "".join(_XML_TEXT.get(c, c) for c in _clean(s))


def _xml_attr(s: str) -> str:
    return "".join(_XML_ATTR.get(c, c) for c in _clean(s))


ESCAPES = (_clean, _xml_text, _xml_attr)  # how a value is set and written, for the final pass to find it


def dump_xml(root: ET.Element) -> str:
    """The document as text (also used by the final redaction pass)."""
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(report: Report, **_: Any) -> str:
    root = ET.Element("testsuites", name=_clean(report.tool_name))
    _, under = grouped(sorted(report.results, key=Result.sort_key))
    by_rule: dict[str, list[Result]] = {}
    for r in sorted(report.results, key=Result.sort_key):
        by_rule.setdefault(r.rule_id, []).append(r)

    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for rule_id, results in by_rule.items():
        title = next((r.title for r in results if r.title), "")
        suite = ET.SubElement(root, "testsuite", name=_clean(f"{rule_id} {title}".strip()))
        props = ET.SubElement(suite, "properties")
        for name, value in (
            ("rule_id", rule_id),
            ("severity", results[0].severity),
            ("input", report.input.path),
            ("scope", report.input.scope or "(whole input)"),
            ("tool_version", report.tool_version),
        ):
            ET.SubElement(props, "property", name=name, value=_clean(value))
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        names: dict[str, int] = {}
        for r in results:
            counts["tests"] += 1
            name = r.address or "(deployment)"
            names[name] = names.get(name, 0) + 1
            if names[name] > 1:  # several results on one address: keep names unique
                name = f"{name} #{names[name]}"
            attrs = {"classname": _clean(rule_id), "name": _clean(name), "time": "0"}
            place = locations.placement(r, report)
            if place.primary is not None and place.primary.file:
                attrs["file"] = _clean(place.primary.file)
                if place.primary.line:
                    attrs["line"] = str(place.primary.line)
            case = ET.SubElement(suite, "testcase", attrs)
            follows = f"follows from {r.caused_by}: " if r.caused_by else ""
            if baseline_summary.is_known(r):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(f"known (baseline, {r.status}): {r.message}"))
            elif r.status == FAIL:
                counts["failures"] += 1
                el = ET.SubElement(case, "failure", message=_clean(follows + r.message), type=_clean(r.severity))
                el.text = _clean(_details(r, place, under.get(id(r))))
            elif r.status == UNKNOWN and not report.allow_unknown:
                counts["failures"] += 1
                el = ET.SubElement(
                    case, "failure", message=_clean(f"{follows}could not be decided: {r.message}"), type="unknown"
                )
                el.text = _clean(_details(r, place, under.get(id(r))))
            elif r.status == UNKNOWN:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(f"could not be decided (--allow-unknown): {r.message}"))
            elif r.status == WAIVED:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_clean(f"waived: {r.waiver_reason or r.message}"))
            else:  # pass
                out = ET.SubElement(case, "system-out")
                out.text = _clean(r.message)
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        suite.set("time", "0")
        for k in totals:
            totals[k] += counts[k]
    _add_notes(root, report)
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("skipped", str(totals["skipped"]))
    root.set("time", "0")
    return dump_xml(root)


def _add_notes(root: ET.Element, report: Report) -> None:
    """What was not checked: a suite of its own with no test cases, the notes as properties and in
    ``system-err`` (CI viewers show one or the other)."""
    notes = report_notes(report)
    if not notes:
        return
    suite = ET.SubElement(root, "testsuite", name=_clean(f"{report.tool_name} notes"))
    props = ET.SubElement(suite, "properties")
    for n in notes:
        ET.SubElement(props, "property", name="note", value=_clean(n))
    err = ET.SubElement(suite, "system-err")
    err.text = _clean("\n".join(f"not checked: {n}" for n in notes))
    for k in ("tests", "failures", "errors", "skipped", "time"):
        suite.set(k, "0")


def _details(r: Result, place: locations.Placement, consequences: list[Result] | None = None) -> str:
    lines = [f"{r.rule_id} ({r.severity}): {r.title}", r.message]
    if r.address:
        lines.append(f"address: {r.address}")
    if place.primary is not None and place.primary.file:
        lines.append(f"location: {place.primary.file}:{place.primary.line}")
    lines.extend(f"related: {x.location.file}:{x.location.line} ({x.message})" for x in place.related)
    if r.caused_by:
        lines.append(f"follows from: {r.caused_by} (fix that first)")
    if consequences:
        lines.append(follow_note(consequences))
    if r.baseline:
        lines.append(f"baseline: {r.baseline}")
    return "\n".join(lines)
