"""The first report reads as a to-do list (issue 11): consequences once, under their cause, in every
format; the Markdown leads with the few changes that clear most findings; docs/incubator.md shows what
the tool prints.  Exact expectations on fixtures/plans/legacy.json and fixtures/terraform/incubator.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import PLANS, ROOT, TERRAFORM
from ctj_policy.cli import build_report
from ctj_policy.config import Config
from ctj_policy.engine import evaluate
from ctj_policy.model import Result
from ctj_policy.reporters import render
from ctj_policy.reporters.markdown import GITHUB_COMMENT_LIMIT
from ctj_policy.reporters.text import finding_line

# what follows from CTJ001 on today's legacy shape: the rules that need the frontend or the database container,
# which the one-container task lacks.  The fullstack container is the backend by evidence (port 8000, DJANGO_*
# and SQL_* variables), so what the backend rules say about it (CTJ004 its image, CTJ022 SQL_HOST, CTJ032 its
# settings) is a finding of its own, and CTJ011/CTJ023 report only the one missing container each.
CONSEQUENCES = {"CTJ004": 1, "CTJ011": 1, "CTJ021": 1, "CTJ022": 1, "CTJ023": 1, "CTJ024": 1, "CTJ025": 1, "CTJ027": 1}
FOLLOW = sum(CONSEQUENCES.values())
FOLLOW_RULES = "CTJ004, CTJ011, CTJ021, CTJ022, CTJ023, CTJ024, CTJ025, CTJ027"
# the lead list: (rule, own findings, findings that follow from it), then "N more rules with M findings"
# (CTJ004 and CTJ010 tie at 3: the rule ID decides)
LEAD = {
    "legacy.json": ([("CTJ001", 1, 8), ("CTJ002", 4, 0), ("CTJ020", 4, 0), ("CTJ004", 3, 0), ("CTJ010", 3, 0)], (5, 7)),
    "incubator": ([("CTJ001", 1, 8), ("CTJ020", 8, 0), ("CTJ002", 4, 0), ("CTJ004", 3, 0), ("CTJ010", 3, 0)], (5, 8)),
}
INPUTS = {"legacy.json": PLANS / "legacy.json", "incubator": TERRAFORM / "incubator"}


def report_for(path: Path, cwd: Path = ROOT):
    config = Config()
    if path.is_dir():
        from ctj_policy.loaders.hcl import load_hcl

        deployment, info = load_hcl(str(path.relative_to(cwd)), config)
    else:
        from ctj_policy.loaders.plan import load_plan

        deployment, info = load_plan(str(path.relative_to(cwd)), config)
    evaluation = evaluate(deployment, config)
    return build_report(deployment, info, evaluation.results, evaluation.exit_code(), False, config)


@pytest.fixture(scope="module", params=sorted(INPUTS))
def case(request):
    import os

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return request.param, report_for(INPUTS[request.param])
    finally:
        os.chdir(cwd)


def consequences(report) -> list[Result]:
    return [r for r in report.results if r.caused_by]


def test_the_consequences_are_the_rules_that_need_the_missing_containers(case):
    _, report = case
    found: dict[str, int] = {}
    for r in consequences(report):
        assert r.caused_by == "CTJ001" and r.status == "fail", r
        found[r.rule_id] = found.get(r.rule_id, 0) + 1
    assert found == CONSEQUENCES
    assert report.exit_code == 1


def test_text_shows_each_consequence_once_under_its_cause(case):
    _, report = case
    lines = render("text", report).splitlines()
    (at,) = [i for i, ln in enumerate(lines) if ln.startswith("CTJ001 ")]
    assert lines[at + 1] == f"  \u21b3 {FOLLOW} more results follow from this one (their rules need what it reports missing):"
    block = []
    for ln in lines[at + 2 :]:
        if not ln.startswith("      "):
            break
        block.append(ln.split())
    assert [(b[0], b[-2:] == [f"({n}", "results)"]) for b, n in zip(block, CONSEQUENCES.values(), strict=True)] == [
        (k, n > 1) for k, n in CONSEQUENCES.items()
    ]
    text = "\n".join(lines)
    for r in consequences(report):  # the consequence's own message is not repeated anywhere
        assert r.message not in text, r.rule_id
    assert sum(1 for ln in lines if re.match(r"CTJ0\d\d ", ln)) == report.counts()["fail"] - FOLLOW
    assert lines[-1] == f"{report.counts()['pass']} passed, {report.counts()['fail']} failed, 0 unknown, 0 waived"


def test_verbose_text_lists_each_consequence_in_full_once_under_its_cause(case):
    _, report = case
    lines = render("text", report, verbose=True).splitlines()
    (at,) = [i for i, ln in enumerate(lines) if ln.startswith("CTJ001 ")]
    under = lines[at + 2 : at + 2 + FOLLOW]
    scope = report.input.scope
    assert under == ["      " + finding_line(r, False, scope) for r in sorted(consequences(report), key=Result.sort_key)]
    for r in consequences(report):
        assert sum(ln.endswith(finding_line(r, False, scope)) for ln in lines) == 1


def test_json_has_caused_by_on_exactly_the_consequences(case):
    _, report = case
    doc = json.loads(render("json", report))
    schema = json.loads(resources.files("ctj_policy").joinpath("schemas/report.schema.json").read_text("utf-8"))
    jsonschema.validate(doc, schema)
    linked = [r for r in doc["results"] if "caused_by" in r]
    assert len(linked) == FOLLOW and {r["caused_by"] for r in linked} == {"CTJ001"}
    assert sorted(r["rule_id"] for r in linked) == sorted(k for k, n in CONSEQUENCES.items() for _ in range(n))
    assert len(doc["results"]) == len(report.results)  # every result kept
    assert doc["summary"]["fail"] == report.counts()["fail"]


def test_markdown_leads_with_the_changes_that_clear_most_findings(case):
    name, report = case
    md = render("markdown", report)
    lead, (more_rules, more_findings) = LEAD[name]
    section = md[md.index("### The few changes that clear most findings") : md.index("### Failing and undecided")]
    items = re.findall(r"^\d+\. \*\*(CTJ\d+)\*\* [^:]+: clears (\d+) findings?(?: \((\d+) \+ (\d+) that follow from it\))?$", section, re.M)
    assert [(rule, int(n), int(own or n), int(follows or 0)) for rule, n, own, follows in items] == [
        (rule, own + follows, own, follows) for rule, own, follows in lead
    ]
    assert f"\u2026and {more_rules} more rules with {more_findings} findings, in the table below." in section
    total = sum(own + follows for _, own, follows in lead) + more_findings
    assert total == report.counts()["fail"] + report.counts()["unknown"]
    rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "**CTJ" in ln]
    assert len(rows) == report.counts()["fail"] - FOLLOW  # a consequence is not a row of its own
    (cause,) = [ln for ln in rows if "**CTJ001**" in ln]
    assert f"\u21b3 {FOLLOW} results of rules that need what this reports missing follow from it: {FOLLOW_RULES} |" in cause


def test_github_annotations_fold_the_consequences_into_the_cause(case):
    _, report = case
    lines = render("github", report).splitlines()[:-1]
    assert len(lines) == report.counts()["fail"] - FOLLOW
    (cause,) = [ln for ln in lines if "title=CTJ001" in ln]
    assert cause.endswith(f"{FOLLOW} results of rules that need what this reports missing follow from it: {FOLLOW_RULES}")


def test_sarif_and_junit_keep_every_result_and_say_what_follows_from_what(case):
    _, report = case
    sarif = json.loads(render("sarif", report))["runs"][0]["results"]
    assert len(sarif) == report.counts()["fail"]
    linked = [r for r in sarif if "causedBy" in r["properties"]]
    assert len(linked) == FOLLOW and all(r["message"]["text"].startswith("Follows from CTJ001") for r in linked)
    (cause,) = [r for r in sarif if r["ruleId"] == "CTJ001"]
    assert cause["properties"]["consequences"] == sorted(CONSEQUENCES)
    root = ET.fromstring(render("junit", report).split("\n", 1)[1])
    failures = root.findall(".//failure")
    assert len(failures) == report.counts()["fail"] and root.get("failures") == str(report.counts()["fail"])
    assert sum(f.get("message").startswith("follows from CTJ001: ") for f in failures) == FOLLOW


def test_a_rule_with_several_consequences_is_named_once_with_its_count(monkeypatch):
    # cutover.json: the task's container_definitions are known only after apply, so CTJ001 is unknown and both
    # of CTJ004's image checks (backend and frontend) follow from it
    monkeypatch.chdir(ROOT)
    report = report_for(PLANS / "cutover.json")
    counts: dict[str, int] = {}
    for r in consequences(report):
        assert r.caused_by == "CTJ001", r
        counts[r.rule_id] = counts.get(r.rule_id, 0) + 1
    assert counts["CTJ004"] == 2 and sum(counts.values()) == 12
    named = ", ".join(rule if n == 1 else f"{rule} \u00d7{n}" for rule, n in sorted(counts.items()))
    assert named.startswith("CTJ004 \u00d72, CTJ011, ")
    lines = render("text", report).splitlines()
    (at,) = [i for i, ln in enumerate(lines) if ln.startswith("CTJ001 ")]
    assert lines[at + 1] == "  \u21b3 12 more results follow from this one (their rules need what it reports missing):"
    block = [ln.split() for ln in lines[at + 2 : at + 2 + len(counts)]]
    assert [(b[0], b[-2:] == [f"({n}", "results)"]) for b, n in zip(block, counts.values(), strict=True)] == [
        (k, n > 1) for k, n in sorted(counts.items())
    ]
    note = f"12 results of rules that need what this reports missing follow from it: {named}"
    (cause,) = [ln for ln in render("github", report).splitlines() if "title=CTJ001" in ln]
    assert cause.endswith(note)
    (row,) = [ln for ln in render("markdown", report).splitlines() if ln.startswith("| ") and "**CTJ001**" in ln]
    assert f"\u21b3 {note} |" in row


def test_markdown_with_consequences_stays_within_the_comment_bound(case):
    _, report = case
    from dataclasses import replace

    many = [replace(r, address=f"{r.address}[{i}]") for i in range(400) for r in report.results]
    big = replace(report, results=many)
    md = render("markdown", big)
    assert len(md) <= GITHUB_COMMENT_LIMIT
    assert "### The few changes that clear most findings" in md and "to fit a GitHub comment" in md


# --------------------------------------------------------------------------- docs/incubator.md


def test_incubator_md_first_report_shows_what_the_tool_prints(shared_path, tmp_path, monkeypatch):
    tree = shared_path("incubator", "terraform")
    shutil.copytree(tree, tmp_path / "terraform")
    monkeypatch.chdir(tmp_path)
    report = report_for(tmp_path / "terraform", cwd=tmp_path)
    doc = (ROOT / "docs" / "incubator.md").read_text()
    section = doc[doc.index("## 1. Your first report") : doc.index("## 2. The baseline")]
    # the text sample is the start of what `ctj-policy check terraform` prints, verbatim
    (sample,) = re.findall(r"```text\n(.*?)\n```", section, re.S)
    assert sample in render("text", report)
    # every quoted Markdown line is a line of the comment (but the title, quoted as bold, and the "…" row)
    md = render("markdown", report).splitlines()
    quoted = [ln[2:] for ln in section.splitlines() if ln.startswith("> ")]
    assert len(quoted) >= 15
    for ln in quoted:
        if ln.startswith("**ctj-policy:") or ln.startswith("| \u2026"):
            continue
        assert ln in md, ln
    rows = [ln for ln in md if ln.startswith("| ") and "**CTJ" in ln]
    assert f"*{len(rows) - 2} more rows*" in section and f"the table has {len(rows)} rows" in section
