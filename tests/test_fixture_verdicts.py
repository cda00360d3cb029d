"""Every plan fixture, through the whole pipeline, against the exact verdicts of fixtures/plans/expected.json.

The expectations were written from SPEC section 4 by reading each fixture's
mutation, not by running the tool; tests/expected_verdicts.py reads them and
adds, with reasons, what expected.json's lists cannot say (which rules are
unknown on the cutover plan).  Every rule's verdict is checked exactly:
``unknown`` is not "not fail".
"""

from __future__ import annotations

import json

import pytest

from conftest import PLANS, TERRAFORM, run_cli
from ctj_policy.config import DEFAULT
from ctj_policy.engine import evaluate
from ctj_policy.loaders.hcl import apply_sources
from ctj_policy.loaders.plan import load_plan
from ctj_policy.rules import TERRAFORM_RULES
from expected_verdicts import EXPECTED, OPEN, PASS, UNKNOWN, expected_verdicts, verdicts

ALL_IDS = [r.id for r in TERRAFORM_RULES]  # CTJ040-CTJ044 run only with --workflow (tests/test_lockstep_e2e.py)


def _verdicts(name: str) -> dict[str, str]:
    loaded = load_plan(str(PLANS / name), DEFAULT)
    return verdicts(evaluate(loaded.deployment, DEFAULT).results)


def test_every_fixture_has_expectations():
    on_disk = {p.name for p in PLANS.glob("*.json")} - {"expected.json"}
    assert on_disk == set(EXPECTED)
    for table in (UNKNOWN, PASS, OPEN):
        assert set(table) <= set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_verdicts(name):
    expected = expected_verdicts(name, ALL_IDS)
    got = _verdicts(name)
    assert set(got) == set(ALL_IDS), f"{name}: rules that reported nothing: {sorted(set(ALL_IDS) - set(got))}"
    wrong = {rid: (got[rid], sorted(allowed)) for rid, allowed in expected.items() if got[rid] not in allowed}
    assert not wrong, f"{name}: rule -> (got, expected): {wrong}"


def test_the_supplement_agrees_with_expected_json():
    """The supplement only refines expected.json: an unknown or pinned pass is never a rule it says must fail."""
    for table in (UNKNOWN, PASS, OPEN):
        for name, rules in table.items():
            assert not set(rules) & set(EXPECTED[name]["fail"]), name


def test_cutover_passes_with_the_sources():
    """What the cutover plan cannot decide, its sources can (the notes of expected.json): all pass."""
    loaded = load_plan(str(PLANS / "cutover.json"), DEFAULT)
    apply_sources(loaded, TERRAFORM / "stage1", DEFAULT)
    got = verdicts(evaluate(loaded.deployment, DEFAULT).results)
    assert got == dict.fromkeys(ALL_IDS, "pass")


def test_whole_account_passes_everything_and_blames_nothing_outside_ctj():
    loaded = load_plan(str(PLANS / "whole-account.json"), DEFAULT)
    results = evaluate(loaded.deployment, DEFAULT).results
    assert {r.status for r in results} == {"pass"}
    assert {r.rule_id for r in results} == set(ALL_IDS)
    for r in results:
        assert r.address is None or r.address.startswith("module.civic-tech-jobs"), r


@pytest.mark.parametrize("name", [n for n in sorted(EXPECTED) if n != "stage1-project.json" and not n.startswith("seed-")])
def test_no_finding_outside_ctj(name):
    """Other projects (RDS, postgres:15 on 5432, plaintext passwords) never produce a CTJ finding."""
    loaded = load_plan(str(PLANS / name), DEFAULT)
    assert loaded.info.scope == "module.civic-tech-jobs"
    results = evaluate(loaded.deployment, DEFAULT).results
    assert results
    for r in results:
        assert r.address is None or r.address.startswith("module.civic-tech-jobs"), r


@pytest.mark.subprocess
def test_legacy_cli_exit_1_and_no_secret_printed():
    doc = json.loads((PLANS / "legacy.json").read_text())
    secrets = set()
    for rc in doc["resource_changes"]:
        if rc["type"] == "random_password" and rc["change"]["after"]:
            secrets.add(rc["change"]["after"]["result"])
    assert secrets, "the legacy fixture must hold the cookie key"
    for fmt in ("text", "json", "sarif", "junit", "github", "markdown"):
        proc = run_cli("check", str(PLANS / "legacy.json"), "--format", fmt)
        assert proc.returncode == 1, (fmt, proc.stderr)
        out = proc.stdout.decode() + proc.stderr.decode()
        assert out.strip(), fmt
        for s in secrets:
            assert s not in out, f"secret printed in {fmt}"
    report = json.loads(run_cli("check", str(PLANS / "legacy.json"), "--format", "json").stdout)
    failing = {r["rule_id"] for r in report["results"] if r["status"] == "fail"}
    assert failing == set(EXPECTED["legacy.json"]["fail"])


@pytest.mark.subprocess
def test_identical_input_gives_identical_bytes():
    a = run_cli("check", str(PLANS / "legacy.json"), "--format", "json").stdout
    b = run_cli("check", str(PLANS / "legacy.json"), "--format", "json").stdout
    assert a == b and a
