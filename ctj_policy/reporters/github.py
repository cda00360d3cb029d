"""GitHub Actions workflow commands (``--format github``).

Printed to a step's log, each line becomes an annotation on the run and, when
it names a file of the PR's diff, on that line of the PR:

    ::error file=terraform/x.tf,line=12,title=CTJ001 one task...::message

* ``fail``    -> ``::error`` for error-severity rules, ``::warning`` for warnings;
* ``unknown`` -> ``::error`` when it makes the gate fail (error severity and
  no ``--allow-unknown``), else ``::warning``;
* ``waived``  -> ``::notice``;
* ``pass``    -> nothing.

Without a known ``.tf`` location the annotation has no ``file``/``line`` (it
attaches to the run).  Escaping follows the workflow-command rules: in the
message ``%``, ``\\r``, ``\\n``; in property values also ``:`` and ``,``.  Other
control characters are spelled out (``\\x1b``): a log viewer must not act on them.
"""

from __future__ import annotations

from typing import Any

from ..model import ERROR, FAIL, UNKNOWN, WAIVED, Report, Result
from . import report_notes
from .escape import visible


def escape_data(text: str) -> str:
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


ESCAPES = (escape_data, escape_property)  # for the final redaction pass (ctj_policy.reporters.render)


def render(report: Report, **_: Any) -> str:
    lines = []
    for r in sorted(report.results, key=Result.sort_key):
        command = _command(r, report.allow_unknown)
        if command is None:
            continue
        props = []
        if r.location is not None and r.location.file:
            props.append(f"file={escape_property(r.location.file.replace(chr(92), '/'))}")
            if isinstance(r.location.line, int) and r.location.line >= 1:
                props.append(f"line={r.location.line}")
        title = f"{r.rule_id}: {r.title}" if r.title else r.rule_id
        props.append(f"title={escape_property(title)}")
        message = r.message
        if r.status == UNKNOWN:
            message = f"could not be decided: {message}"
        elif r.status == WAIVED:
            message = f"waived: {message}"
        if r.address and r.address not in message:
            message = f"{message} ({r.address})"
        lines.append(f"::{command} {','.join(props)}::{escape_data(message)}")
    for note in report_notes(report):  # what was not checked: a warning on the run
        title = escape_property(f"{report.tool_name} note")
        lines.append(f"::warning title={title}::{escape_data('not checked: ' + note)}")
    c = report.counts()
    lines.append(
        f"{report.tool_name} summary: pass {c['pass']}, fail {c['fail']}, unknown {c['unknown']}, "
        f"waived {c['waived']} (exit code {report.exit_code})"
    )
    return "\n".join(lines) + "\n"


def _command(r: Result, allow_unknown: bool) -> str | None:
    if r.status == FAIL:
        return "error" if r.severity == ERROR else "warning"
    if r.status == UNKNOWN:
        return "error" if r.severity == ERROR and not allow_unknown else "warning"
    if r.status == WAIVED:
        return "notice"
    return None
