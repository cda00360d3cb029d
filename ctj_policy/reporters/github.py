"""GitHub Actions workflow commands (``--format github``).

Printed to a step's log, each line becomes an annotation on the run and, when
it names a file of the PR's diff, on that line of the PR:

    ::error file=terraform/x.tf,line=12,title=CTJ001 one task...::message

* ``fail``    -> ``::error`` for error-severity rules, ``::warning`` for warnings;
* ``unknown`` -> ``::error`` when it makes the gate fail (error severity and
  no ``--allow-unknown``), else ``::warning``;
* ``waived``  -> ``::notice``;
* ``pass``    -> nothing;
* with ``--baseline``, a result the baseline records (``unchanged``) -> nothing: the annotations are the
  new findings, the ones a pull request brings; the summary line counts the known and fixed ones.

A result that follows from another (``caused_by``) has no annotation of its
own: its cause's annotation names it ("12 results ... follow from it: CTJ004 ×2, ...").

``file``/``line`` are the result's primary location (a block built inside a
shared module is annotated at the project's call site, the message naming the
block: ``(via modules/container/main.tf:68)``); without a ``.tf``
location, line 1 of the plan file; from stdin, none (it attaches to the run).

Escaping follows the workflow-command rules: in the message ``%``, ``\\r``,
``\\n``; in property values also ``:`` and ``,``.  Other control characters are
spelled out (``\\x1b``): a log viewer must not act on them.
"""

from __future__ import annotations

from typing import Any

from ..model import ERROR, FAIL, UNKNOWN, WAIVED, Location, Report, Result
from . import baseline_summary, locations, report_notes
from .escape import visible
from .grouping import follow_note, grouped


def escape_data(text: str) -> str:
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


ESCAPES = (escape_data, escape_property)  # for the final redaction pass (ctj_policy.reporters.render)


def render(report: Report, **_: Any) -> str:
    lines = []
    shown, under = grouped(sorted(report.results, key=Result.sort_key))  # a consequence: once, in its cause's
    for r in shown:
        command = _command(r, report.allow_unknown)
        if command is None or baseline_summary.is_known(r):
            continue
        place = locations.placement(r, report)
        props = _where(place.primary, report)
        title = f"{r.rule_id}: {r.title}" if r.title else r.rule_id
        props.append(f"title={escape_property(title)}")
        message = r.message
        if r.status == UNKNOWN:
            message = f"could not be decided: {message}"
        elif r.status == WAIVED:
            message = f"waived: {message}"
        if r.address and r.address not in message:
            message = f"{message} ({r.address})"
        if place.related:  # the block inside the shared module the annotated call site uses
            message = f"{message} ({locations.via(place).strip()})"
        if id(r) in under:
            message = f"{message}; {follow_note(under[id(r)])}"
        lines.append(f"::{command} {','.join(props)}::{escape_data(message)}")
    for note in report_notes(report):  # what was not checked: a warning on the run
        title = escape_property(f"{report.tool_name} note")
        lines.append(f"::warning title={title}::{escape_data('not checked: ' + note)}")
    c = report.counts()
    lines.append(
        f"{report.tool_name} summary: pass {c['pass']}, fail {c['fail']}, unknown {c['unknown']}, "
        f"waived {c['waived']}"
        + (f"; {baseline_summary.summary(report)}" if baseline_summary.used(report) else "")
        + f" (exit code {report.exit_code})"
    )
    return "\n".join(lines) + "\n"


def _where(primary: Location | None, report: Report) -> list[str]:
    """``file=``/``line=`` of the primary location; without one, line 1 of the plan file the run read."""
    if primary is not None and primary.file:
        line = primary.line if isinstance(primary.line, int) and primary.line >= 1 else 1
        return [f"file={escape_property(primary.file.replace(chr(92), '/'))}", f"line={line}"]
    if report.input.kind == "plan" and report.input.path and report.input.path != "-":
        return [f"file={escape_property(report.input.path.replace(chr(92), '/'))}", "line=1"]
    return []  # stdin, or a directory with nothing located: the annotation attaches to the run


def _command(r: Result, allow_unknown: bool) -> str | None:
    if r.status == FAIL:
        return "error" if r.severity == ERROR else "warning"
    if r.status == UNKNOWN:
        return "error" if r.severity == ERROR and not allow_unknown else "warning"
    if r.status == WAIVED:
        return "notice"
    return None
