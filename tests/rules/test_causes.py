"""ctj_policy.causes: which results follow from another rule's failure (``Result.caused_by``).

Exact expectations on the model builders: the consequences of each missing prerequisite, and nothing
else; the verdicts and the exit code are those of a run without the link.
"""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

import ctj_policy.engine as engine
from ctj_policy.causes import expand, missing
from ctj_policy.config import WaiverSpec
from ctj_policy.engine import evaluate
from ctj_policy.model import Subject
from ctj_policy.rules import ALL_RULES
from ctj_policy.rules.base import PREREQUISITES, Rule

from .builders import CONFIG, TASK, chain, drop_container, legacy, no_service, no_task, stage1, unknown_containers

# the rules that report each prerequisite missing, and what every rule needs (one line in each rule file)
PROVIDES = {"CTJ001": ("task", "containers", "frontend", "backend", "database"), "CTJ011": ("service",)}
NEEDS = {
    "CTJ003": ("task",),
    "CTJ004": ("frontend", "backend"),
    "CTJ011": ("frontend", "backend"),
    "CTJ021": ("database",),
    "CTJ022": ("backend", "database"),
    "CTJ023": ("backend", "database"),
    "CTJ024": ("database",),
    "CTJ025": ("database",),
    "CTJ026": ("service",),
    "CTJ027": ("backend", "database"),
    "CTJ030": ("frontend",),
    "CTJ031": ("containers",),
    "CTJ032": ("backend",),
}


def test_rules_declare_their_prerequisites():
    assert {r.id: r.provides for r in ALL_RULES if r.provides} == PROVIDES
    assert {r.id: r.needs for r in ALL_RULES if r.needs} == NEEDS
    with pytest.raises(ValueError, match="not one of"):
        Rule("X", "t", "error", "", "", lambda d, c: [], needs=("backend container",))
    assert set(PREREQUISITES) == {"task", "containers", "frontend", "backend", "database", "service"}
    assert expand(("backend",)) == {"backend", "containers", "task"}
    assert expand(("service",)) == {"service", "task"}


def links(dep, **kw) -> list[tuple[str, str]]:
    return sorted((r.rule_id, r.caused_by) for r in evaluate(dep, CONFIG, **kw).results if r.caused_by)


def x(cause: str, *rules: str) -> list[tuple[str, str]]:
    return sorted((rule, cause) for rule in rules)


CASES = [
    ("stage1", stage1, []),
    ("no backend", chain(lambda d: drop_container(d, "django")), x("CTJ001", "CTJ004", "CTJ011", "CTJ022", "CTJ023", "CTJ027", "CTJ032")),
    ("no database", chain(lambda d: drop_container(d, "postgres")), x("CTJ001", "CTJ021", "CTJ022", "CTJ023", "CTJ024", "CTJ025", "CTJ027")),
    ("no frontend", chain(lambda d: drop_container(d, "nextjs")), x("CTJ001", "CTJ004", "CTJ011")),
    (
        "no task",
        chain(no_task),
        x("CTJ001", "CTJ003", "CTJ004", "CTJ004", "CTJ011", "CTJ021", "CTJ022", "CTJ023", "CTJ024", "CTJ025", "CTJ026", "CTJ027", "CTJ032"),
    ),
    ("no service", chain(no_service), x("CTJ011", "CTJ026")),
    (
        "containers known after apply",
        chain(unknown_containers),
        x("CTJ001", "CTJ004", "CTJ004", "CTJ011", "CTJ021", "CTJ022", "CTJ023", "CTJ024", "CTJ025", "CTJ027", "CTJ030", "CTJ031", "CTJ032"),
    ),
    (
        "legacy",
        legacy,
        # the fullstack container is the backend by evidence (port 8000, SQL_*/DJANGO_* variables): only what
        # needs the missing frontend and database follows from CTJ001; CTJ032 judges the backend on its own
        x("CTJ001", "CTJ004", "CTJ011", "CTJ021", "CTJ022", "CTJ023", "CTJ024", "CTJ025", "CTJ027"),
    ),
]


@pytest.mark.parametrize("build,expected", [pytest.param(b, e, id=n) for n, b, e in CASES])
def test_consequences_link_to_their_cause(build, expected):
    assert links(build()) == expected


@pytest.mark.parametrize("build", [pytest.param(b, id=n) for n, b, _ in CASES])
def test_the_link_changes_no_verdict(build, monkeypatch):
    linked = evaluate(build(), CONFIG)
    monkeypatch.setattr(engine, "link_causes", lambda results, *a: list(results))
    plain = evaluate(build(), CONFIG)
    assert [replace(r, caused_by=None) for r in linked.results] == plain.results
    assert linked.exit_code() == plain.exit_code() and linked.counts() == plain.counts()
    # only failing or undecided results follow from something, and never from their own rule
    assert all(r.status in ("fail", "unknown") and r.caused_by != r.rule_id for r in linked.results if r.caused_by)


def test_a_cause_that_is_not_failing_links_nothing():
    dep = drop_container(stage1(), "django")
    # CTJ001 not run: CTJ022 says it has no backend container on its own
    assert links(dep, only=["CTJ022", "CTJ032"]) == []
    # CTJ001 waived: it is not failing, so nothing is grouped under it
    waiver = WaiverSpec(rule="CTJ001", address="*", reason="until the cutover", expires="2999-01-01", origin="test")
    waived = evaluate(replace(dep, waivers=[waiver]), CONFIG, today=datetime.date(2026, 1, 1))
    assert [r.status for r in waived.results if r.rule_id == "CTJ001"] == ["waived"]
    assert [r for r in waived.results if r.caused_by] == []


def test_a_chain_resolves_to_the_first_cause():
    # no task: CTJ011 cannot find the service because there is no task, so CTJ026 follows from CTJ001 too
    results = evaluate(no_task(stage1()), CONFIG).results
    assert {r.caused_by for r in results if r.rule_id in ("CTJ011", "CTJ026")} == {"CTJ001"}


def test_findings_about_something_present_stay_on_their_own():
    # the backend is missing, but a plaintext secret in the database container is a finding of its own
    dep = drop_container(stage1(), "django")
    from .builders import set_env

    dep = set_env(dep, "postgres", "API_TOKEN", "x")
    results = evaluate(dep, CONFIG).results
    (token,) = [r for r in results if r.rule_id == "CTJ031" and r.status == "fail"]
    assert token.caused_by is None


def test_missing_prerequisites_and_the_subjects_they_are_reported_on():
    assert missing(stage1(), CONFIG) == {}
    whole = Subject("task", TASK)
    assert missing(drop_container(stage1(), "django"), CONFIG) == {"backend": {whole, Subject("attachment", "backend")}}
    assert set(missing(no_task(stage1()), CONFIG)) == set(PREREQUISITES)
    assert missing(no_service(stage1()), CONFIG) == {"service": {whole, Subject("service", "")}}
