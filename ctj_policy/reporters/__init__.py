"""Reporters: one writer per output format (conftest-style).

Each reporter module exposes ``render(report: Report, **options) -> str``.
They know nothing of Terraform: they see a :class:`~ctj_policy.model.Report`.
Modules are imported only when their format is asked for.

:func:`render` is the one way out for every format, and the output gate for
secrets: it builds the report's :class:`~ctj_policy.redact.Redactor` (from the
strings the loader marked, ``report.deployment.redact``), redacts every field
of every result (a no-op for results the engine stamped), gives it to the
reporter (``redactor=``; the Markdown diagram redacts its labels with it, before
any shortening), and passes the rendered text through :meth:`Redactor.output`
once more.  Before all that, :func:`~.locations.anchored` gives a location to a
result about something missing; each reporter shows a result's primary and
related locations from :func:`~.locations.placement`.

A module describes its output for the final pass:

* ``OUTPUT``: "text" (default), "json" (decoded, string values redacted,
  re-encoded with ``dump``) or "xml" (the same over an ElementTree, ``dump_xml``);
* ``ESCAPES``: the module's escape functions, so an escaped secret (a Markdown
  cell turns ``|`` into ``\\|``) is found too.
"""

from __future__ import annotations

import importlib
from dataclasses import replace

from ..model import Report
from ..redact import Redactor
from .locations import anchored

# format name -> module under ctj_policy.reporters
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "markdown": "markdown",
}


def report_notes(report: Report) -> list[str]:
    """What the loader says was not checked (a module whose source it could not read, a ``count`` it assumed):
    every format prints these, so a run that checked less than the input is never silent.  In the loader's
    order, without repeats; the final redaction pass covers them like any other output text."""
    deployment = report.deployment
    out: list[str] = []
    for note in deployment.notes if deployment is not None else ():
        if isinstance(note, str) and note and note not in out:
            out.append(note)
    return out


def redactor_for(report: Report) -> Redactor:
    """The Redactor of the deployment a report was evaluated on."""
    deployment = report.deployment
    return Redactor(deployment.redact if deployment is not None else ())


def render(fmt: str, report: Report, **options) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    report = anchored(report)  # a result about something missing is shown where the project should hold it
    redactor = options.pop("redactor", None) or redactor_for(report)
    if redactor:  # the engine redacted them; a Report built another way must not leak either
        report = replace(report, results=[redactor.result(r) for r in report.results])
    text = module.render(report, redactor=redactor, **options)
    return redactor.output(
        text,
        kind=getattr(module, "OUTPUT", "text"),
        escapes=tuple(getattr(module, "ESCAPES", ())),
        dump=getattr(module, "dump", None),
        dump_xml=getattr(module, "dump_xml", None),
    )
