"""Reporters: one writer per output format (conftest-style).

Each reporter module exposes ``render(report: Report) -> str``.  They know
nothing of Terraform: they see a :class:`~ctj_policy.model.Report`.
Modules are imported only when their format is asked for.
"""

from __future__ import annotations

import importlib

from ..model import Report

# format name -> module under ctj_policy.reporters
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "markdown": "markdown",
}


def render(fmt: str, report: Report, **options) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")
    module = importlib.import_module(f"{__name__}.{FORMATS[fmt]}")
    return module.render(report, **options)
