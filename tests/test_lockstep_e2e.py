"""Lockstep with the deploy workflow (SPEC section 11, issue 12), end to end: every fixture workflow against
the Stage 1, legacy and cutover plans (exact verdicts of CTJ040-CTJ044), the CLI's --workflow and
``workflows = [...]``, the workflow file:line in every format, and no workflow secret in any output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, PLANS, TERRAFORM, run_cli
from ctj_policy.config import DEFAULT
from ctj_policy.engine import evaluate
from ctj_policy.loaders.hcl import apply_sources, load_hcl
from ctj_policy.loaders.plan import load_plan
from ctj_policy.loaders.workflow import load_workflow
from ctj_policy.rules import WORKFLOW_RULES

WORKFLOWS = FIXTURES / "workflows"
IDS = ["CTJ040", "CTJ041", "CTJ042", "CTJ043", "CTJ044"]
WORST = ["pass", "unknown", "fail"]


def _verdicts(deployment, *workflows: str) -> dict[str, str]:
    """Each lockstep rule's worst status, with the fixture workflows attached as --workflow attaches them."""
    deployment.workflows = [load_workflow(str(WORKFLOWS / w), DEFAULT) for w in workflows]
    out: dict[str, str] = {}
    for r in evaluate(deployment, DEFAULT, rules=WORKFLOW_RULES).results:
        if r.rule_id not in out or WORST.index(r.status) > WORST.index(out[r.rule_id]):
            out[r.rule_id] = r.status
    return out


def _plan(name: str):
    return load_plan(str(PLANS / name), DEFAULT).deployment


def expect(fail=(), unknown=()) -> dict[str, str]:
    return {rid: "fail" if rid in fail else "unknown" if rid in unknown else "pass" for rid in IDS}


# what each fixture workflow must give against the Stage 1 plan (fixtures/workflows/README.md): one fault each
STAGE1 = {
    "stage1-deploy.yml": expect(),
    "stage1-build-push-action.yml": expect(),
    "sha-tag.yml": expect(fail=["CTJ040"]),
    "wrong-service.yml": expect(fail=["CTJ041"]),
    "static-keys.yml": expect(fail=["CTJ043"]),
    "next-public-env-only.yml": expect(fail=["CTJ042"]),
    "postgres-image.yml": expect(fail=["CTJ040", "CTJ044"]),
    "legacy.yml": expect(fail=["CTJ040", "CTJ041", "CTJ042"]),
}


def test_every_fixture_workflow_is_in_the_matrix():
    on_disk = {p.name for p in WORKFLOWS.glob("*.yml")} - {"bad.yml", "not-a-workflow.yml"}
    assert on_disk == set(STAGE1)


@pytest.mark.parametrize("plan", ["stage1-project.json", "whole-account.json"])
@pytest.mark.parametrize("workflow", sorted(STAGE1))
def test_against_the_stage1_plan(plan, workflow):
    assert _verdicts(_plan(plan), workflow) == STAGE1[workflow]


def test_legacy_workflow_against_the_legacy_plan():
    """Today's workflow with today's Terraform: in lockstep (CTJ042 fails: no frontend image is built at all)."""
    got = _verdicts(_plan("legacy.json"), "legacy.yml")
    assert got == expect(fail=["CTJ042"])
    assert (got["CTJ040"], got["CTJ041"]) == ("pass", "pass")


@pytest.mark.parametrize("workflow", ["stage1-deploy.yml", "stage1-build-push-action.yml"])
def test_correct_workflow_on_the_cutover_plan_is_pass_or_unknown(workflow):
    """The cutover plan knows no container image (container_definitions known after apply): CTJ040 cannot
    tell what the task pulls, so it is unknown; nothing fails.  With the sources, everything passes."""
    assert _verdicts(_plan("cutover.json"), workflow) == expect(unknown=["CTJ040"])
    loaded = load_plan(str(PLANS / "cutover.json"), DEFAULT)
    apply_sources(loaded, TERRAFORM / "stage1", DEFAULT)
    assert _verdicts(loaded.deployment, workflow) == expect()


@pytest.mark.parametrize("workflow", ["stage1-deploy.yml", "stage1-build-push-action.yml"])
def test_hcl_mode(workflow):
    """HCL mode: the service's cluster is aws_ecs_cluster.main.id (through the project's cluster_id variable), known
    only after apply; the cluster's block names it incubator-prod, so CTJ041 decides from the name."""
    deployment = load_hcl(TERRAFORM / "stage1", DEFAULT).deployment
    assert [s.cluster for s in deployment.services] == ["incubator-prod"]
    assert _verdicts(deployment, workflow) == expect()


def _stage1_tree(tmp_path: Path, cluster_name: str) -> Path:
    tree = tmp_path / "stage1"
    shutil.copytree(TERRAFORM / "stage1", tree)
    main = tree / "main.tf"
    text = main.read_text()
    assert 'name = "incubator-prod"' in text
    main.write_text(text.replace('name = "incubator-prod"', f"name = {cluster_name}", 1))
    return tree


def test_hcl_mode_another_cluster_fails_ctj041(tmp_path):
    """The cluster block names another cluster than the workflow's --cluster incubator-prod."""
    deployment = load_hcl(_stage1_tree(tmp_path, '"incubator-stage"'), DEFAULT).deployment
    assert _verdicts(deployment, "stage1-deploy.yml") == expect(fail=["CTJ041"])
    deployment.workflows = [load_workflow(str(WORKFLOWS / "stage1-deploy.yml"), DEFAULT)]
    (found,) = [r for r in evaluate(deployment, DEFAULT, rules=WORKFLOW_RULES).results if r.rule_id == "CTJ041"]
    assert "redeploys cluster 'incubator-prod', but the CTJ service in scope" in found.message
    assert "runs on cluster 'incubator-stage'" in found.message


def test_hcl_mode_cluster_name_not_known_is_unknown(tmp_path):
    """A cluster name from a variable nobody sets: the reference stays, CTJ041 is unknown (never pass)."""
    tree = _stage1_tree(tmp_path, "var.cluster_name")
    (tree / "variables_cluster.tf").write_text('variable "cluster_name" {\n  type = string\n}\n')
    deployment = load_hcl(tree, DEFAULT).deployment
    assert _verdicts(deployment, "stage1-deploy.yml") == expect(unknown=["CTJ041"])


def test_plan_mode_cluster_created_by_the_plan(tmp_path):
    """A plan that creates the cluster: its ARN (and the service's cluster) is known only after apply, its
    planned name decides; the cluster is outside the project's scope, read by the streamed loader too."""
    doc = json.loads((PLANS / "whole-account.json").read_text())
    for rc in doc["resource_changes"]:
        change = rc["change"]
        if rc["type"] == "aws_ecs_service":
            change["after"].pop("cluster")
            change.setdefault("after_unknown", {})["cluster"] = True
        elif rc["type"] == "aws_ecs_cluster":
            change["actions"] = ["create"]
            for attr in ("arn", "id"):
                change["after"].pop(attr)
                change.setdefault("after_unknown", {})[attr] = True
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc))
    deployment = load_plan(str(plan), DEFAULT).deployment
    assert {s.cluster for s in deployment.services} == {"incubator-prod"}
    assert _verdicts(deployment, "stage1-deploy.yml") == expect()
    assert _verdicts(load_plan(str(plan), DEFAULT).deployment, "wrong-service.yml") == expect(fail=["CTJ041"])


def test_two_workflows_are_judged_together():
    """Images from one workflow, the redeploy and credentials from another (the rules read them all)."""
    got = _verdicts(_plan("stage1-project.json"), "stage1-deploy.yml", "wrong-service.yml")
    assert got == expect(fail=["CTJ041"])


# ----------------------------------------------------------------------------- the command line


def _json(*args: str, cwd: Path | None = None) -> tuple[int, dict]:
    proc = run_cli("check", *args, "--format", "json", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def _statuses(doc: dict) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in doc["results"]:
        out.setdefault(r["rule_id"], set()).add(r["status"])
    return out


def test_cli_done_when():
    code, doc = _json(str(PLANS / "stage1-project.json"), "--workflow", str(WORKFLOWS / "legacy.yml"))
    got = _statuses(doc)
    assert code == 1
    assert {rid: got[rid] for rid in IDS} == {"CTJ040": {"fail"}, "CTJ041": {"fail"}, "CTJ042": {"fail"}, "CTJ043": {"pass"}, "CTJ044": {"pass"}}
    code, doc = _json(str(PLANS / "stage1-project.json"), "--workflow", str(WORKFLOWS / "stage1-deploy.yml"))
    assert code == 0 and all(s == {"pass"} for s in _statuses(doc).values())
    assert set(IDS) <= set(_statuses(doc))


def test_without_a_workflow_the_lockstep_rules_are_not_reported():
    _, doc = _json(str(PLANS / "stage1-project.json"))
    assert not {r["rule_id"] for r in doc["results"]} & set(IDS)


def test_a_lockstep_rule_selected_without_a_workflow_is_a_usage_error():
    proc = run_cli("check", str(PLANS / "stage1-project.json"), "--rule", "CTJ041")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == "ctj-policy: error: CTJ041 judge(s) the deploy workflow: give --workflow FILE (or workflows = [...] in the config)"


@pytest.mark.parametrize(("name", "reason"), [
    ("bad.yml", "invalid YAML at line 6 column 5"),
    ("not-a-workflow.yml", "not a GitHub Actions workflow"),
    ("missing.yml", "no such file"),
])
def test_bad_workflow_is_exit_2_with_one_line(name, reason):
    proc = run_cli("check", str(PLANS / "stage1-project.json"), "--workflow", str(WORKFLOWS / name))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and proc.stdout == b""
    assert err.count("\n") == 1 and err.startswith("ctj-policy: error: ") and reason in err and "Traceback" not in err


def test_config_workflows_are_relative_to_the_config_file_and_the_cli_wins(tmp_path):
    project = tmp_path / "repo"
    (project / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(WORKFLOWS / "legacy.yml", project / ".github" / "workflows" / "deploy-stage.yml")
    (project / ".ctj-policy.toml").write_text('workflows = [".github/workflows/deploy-stage.yml"]\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plan = str(PLANS / "stage1-project.json")
    _, doc = _json(plan, "--config", str(project / ".ctj-policy.toml"), cwd=elsewhere)
    files = {r["location"]["file"] for r in doc["results"] if r["rule_id"] in IDS}
    assert files == {str(project / ".github" / "workflows" / "deploy-stage.yml")}
    assert _statuses(doc)["CTJ041"] == {"fail"}
    _, doc = _json(plan, "--config", str(project / ".ctj-policy.toml"), "--workflow", str(WORKFLOWS / "stage1-deploy.yml"), cwd=elsewhere)
    assert {r["location"]["file"] for r in doc["results"] if r["rule_id"] in IDS} == {str(WORKFLOWS / "stage1-deploy.yml")}


def test_every_format_carries_the_workflow_file_and_line():
    """CTJ041 on the legacy workflow: the redeploy's --service is on line 46 of legacy.yml."""
    wf = "fixtures/workflows/legacy.yml"
    args = ["check", str(PLANS / "stage1-project.json"), "--workflow", wf, "--rule", "CTJ041"]
    seen = {}
    for fmt in ("text", "json", "sarif", "github", "junit", "markdown"):
        proc = run_cli(*args, "--format", fmt)
        assert proc.returncode == 1, proc.stderr
        seen[fmt] = proc.stdout.decode()
    assert f"({wf}:46)" in seen["text"]
    assert [r["location"] for r in json.loads(seen["json"])["results"]] == [{"file": wf, "line": 46}]
    physical = json.loads(seen["sarif"])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == wf and physical["region"]["startLine"] == 46
    assert seen["github"].startswith(f"::error file={wf},line=46,")
    assert f'file="{wf}" line="46"' in seen["junit"]
    assert f"`{wf}:46`" in seen["markdown"]


def test_no_workflow_secret_in_any_format(tmp_path):
    """A literal static key in the workflow is reported by name; its value appears in no output."""
    key, secret = "AKIAZZZZ7777EXAMPLE1", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzEXAMPLEKEY"
    text = (WORKFLOWS / "static-keys.yml").read_text()
    text = text.replace("${{ secrets.AWS_ACCESS_KEY_ID }}", key).replace("${{ secrets.AWS_SECRET_ACCESS_KEY }}", secret)
    assert key in text and secret in text
    wf = tmp_path / "deploy.yml"
    wf.write_text(text)
    for fmt in ("text", "json", "sarif", "github", "junit", "markdown"):
        proc = run_cli("check", str(PLANS / "stage1-project.json"), "--workflow", str(wf), "--format", fmt, "-v")
        out = proc.stdout.decode() + proc.stderr.decode()
        assert proc.returncode == 1 and "CTJ043" in out, fmt
        assert key not in out and secret not in out, fmt
        assert "aws-access-key-id" in out, fmt
