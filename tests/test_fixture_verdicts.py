"""Every plan fixture, through the whole pipeline, against the verdicts in fixtures/plans/expected.json.

The expectations were written from SPEC section 4 by reading each fixture's
mutation, not by running the tool.
"""

from __future__ import annotations

import json

import pytest

from conftest import PLANS, run_cli
from ctj_policy.config import DEFAULT
from ctj_policy.engine import evaluate
from ctj_policy.loaders.plan import load_plan
from ctj_policy.rules import ALL_RULES

EXPECTED = json.loads((PLANS / "expected.json").read_text())
ALL_IDS = [r.id for r in ALL_RULES]


def _statuses(name: str) -> dict[str, set[str]]:
    loaded = load_plan(str(PLANS / name), DEFAULT)
    out: dict[str, set[str]] = {rid: set() for rid in ALL_IDS}
    for r in evaluate(loaded.deployment, DEFAULT).results:
        out.setdefault(r.rule_id, set()).add(r.status)
    return out


def test_every_fixture_has_expectations():
    on_disk = {p.name for p in PLANS.glob("*.json")} - {"expected.json"}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_verdicts(name):
    spec = EXPECTED[name]
    statuses = _statuses(name)
    must_fail = set(spec["fail"])
    not_fail = set(ALL_IDS) - must_fail if spec["not_fail"] == "all others" else set(spec["not_fail"])
    for rid in ALL_IDS:
        assert statuses[rid], f"{rid} reported nothing on {name}"
    failing = {rid for rid, st in statuses.items() if "fail" in st}
    assert must_fail <= failing, f"{name}: expected to fail {sorted(must_fail - failing)}"
    wrongly = failing & not_fail
    assert not wrongly, f"{name}: must not fail {sorted(wrongly)}"


def test_whole_account_passes_everything_and_blames_nothing_outside_ctj():
    loaded = load_plan(str(PLANS / "whole-account.json"), DEFAULT)
    results = evaluate(loaded.deployment, DEFAULT).results
    assert {r.status for r in results} == {"pass"}
    for r in results:
        assert r.address is None or r.address.startswith("module.civic-tech-jobs"), r


@pytest.mark.parametrize("name", [n for n in sorted(EXPECTED) if n != "stage1-project.json" and not n.startswith("seed-")])
def test_no_finding_outside_ctj(name):
    """Other projects (RDS, postgres:15 on 5432, plaintext passwords) never produce a CTJ finding."""
    loaded = load_plan(str(PLANS / name), DEFAULT)
    assert loaded.info.scope == "module.civic-tech-jobs"
    for r in evaluate(loaded.deployment, DEFAULT).results:
        assert r.address is None or r.address.startswith("module.civic-tech-jobs"), r


def test_cutover_has_no_fail_and_says_unknown_for_what_the_plan_cannot_know():
    statuses = _statuses("cutover.json")
    assert not any("fail" in st for st in statuses.values())
    # container_definitions is wholly known after apply
    assert "unknown" in statuses["CTJ001"]
    # the listener rules' target groups resolve through configuration references
    assert statuses["CTJ010"] == {"pass"}


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
        for s in secrets:
            assert s not in out, f"secret printed in {fmt}"
    report = json.loads(run_cli("check", str(PLANS / "legacy.json"), "--format", "json").stdout)
    failing = {r["rule_id"] for r in report["results"] if r["status"] == "fail"}
    assert {"CTJ001", "CTJ002", "CTJ004", "CTJ020", "CTJ022", "CTJ023", "CTJ031"} <= failing


def test_identical_input_gives_identical_bytes():
    a = run_cli("check", str(PLANS / "legacy.json"), "--format", "json").stdout
    b = run_cli("check", str(PLANS / "legacy.json"), "--format", "json").stdout
    assert a == b and a
