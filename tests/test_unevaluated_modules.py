"""Issue 13, point 6: a module CTJ calls whose source cannot be read is never a silent pass.

HCL mode reads local module sources only.  The Stage 1 miniature incubator's
CTJ project, given one more module from ``git::https://`` and one from a local
path that does not exist: what those modules deploy is not in the model, so no
rule may pass (each rule's passes become one ``unknown`` per such module,
located at its call), and every format says what was not checked.  Plan JSON
holds every module's resources (Terraform installed them to plan): nothing
there is unevaluated, and ``--source-dir`` notes about modules the sources
could not read do not apply to the plan.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import FIXTURES, PLANS, TERRAFORM
from ctj_policy.config import DEFAULT, Config, WaiverSpec
from ctj_policy.engine import evaluate, rule_needs
from ctj_policy.loaders.hcl import apply_sources, load_hcl
from ctj_policy.loaders.plan import load_plan
from ctj_policy.loaders.workflow import load_workflow
from ctj_policy.model import Report
from ctj_policy.reporters import render
from ctj_policy.rules import ALL_RULES, WORKFLOW_RULES

SCOPE = "module.civic-tech-jobs"
GIT = f"{SCOPE}.module.civic_tech_jobs_alarms"
GONE = f"{SCOPE}.module.civic_tech_jobs_extra"
GIT_SOURCE = "git::https://github.com/example/terraform-alarms.git//ecs?ref=v1.2.0"
PROJECT_FILE = "projects/civic-tech-jobs/civic-tech-jobs.tf"
CALLS = f"""
module "civic_tech_jobs_alarms" {{
  source = "{GIT_SOURCE}"
}}

module "civic_tech_jobs_extra" {{
  source = "./extra"
}}
"""

# what each rule judges (engine.rule_needs: the types it reports on, its data sources, the CTJ task/service)
NEEDS = {
    "CTJ001": "aws_ecs_task_definition, aws_ecs_service",
    "CTJ002": "aws_ecs_service, aws_ecr_repository",
    "CTJ003": "aws_ecs_task_definition",
    "CTJ004": "aws_ecs_task_definition, aws_ecs_service, aws_ecr_repository",
    "CTJ010": "aws_ecs_task_definition, aws_ecs_service, aws_lb_listener_rule, aws_alb_listener_rule, "
    "aws_lb_target_group, aws_alb_target_group",
    "CTJ011": "aws_ecs_task_definition, aws_ecs_service, aws_lb_target_group, aws_alb_target_group",
    "CTJ012": "aws_lb_target_group, aws_alb_target_group, aws_security_group, aws_security_group_rule, "
    "aws_vpc_security_group_ingress_rule, aws_ecs_service, aws_lb_listener_rule, aws_alb_listener_rule",
    "CTJ020": "aws_db_instance, aws_db_proxy, aws_rds_cluster, aws_rds_cluster_instance, aws_rds_global_cluster, "
    "postgresql_*, aws_ecs_task_definition, aws_ecs_service, aws_db_*, aws_rds_*",
    "CTJ021": "aws_ecs_task_definition",
    "CTJ022": "aws_ecs_task_definition",
    "CTJ023": "aws_ecs_task_definition",
    "CTJ024": "aws_ecs_task_definition",
    "CTJ025": "aws_ecs_task_definition",
    "CTJ026": "aws_ecs_service, aws_appautoscaling_target, aws_ecs_task_definition",
    "CTJ027": "aws_ecs_task_definition",
    "CTJ030": "aws_ecs_task_definition",
    "CTJ031": "aws_ecs_task_definition",
    "CTJ032": "aws_ecs_task_definition",
    # the lockstep rules judge a deploy workflow (--workflow) against THE CTJ task, or the service running it:
    # an unread module may hold either, so their passes cannot stand; CTJ043 reads only the workflow and the
    # configured CI/CD role, nothing an unread module may deploy, so its verdict stands
    "CTJ040": "aws_ecs_task_definition",
    "CTJ041": "aws_ecs_task_definition, aws_ecs_service",
    "CTJ042": "aws_ecs_task_definition",
    "CTJ043": None,
    "CTJ044": "aws_ecs_task_definition",
}
WORKFLOW = {r.id for r in WORKFLOW_RULES}
TERRAFORM_RULES = [rule_id for rule_id in NEEDS if rule_id not in WORKFLOW]  # what runs without --workflow
STAGE1_WORKFLOW = FIXTURES / "workflows" / "stage1-deploy.yml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "stage1"
    shutil.copytree(TERRAFORM / "stage1", root)
    with open(root / PROJECT_FILE, "a", encoding="utf-8") as f:
        f.write(CALLS)
    return root


def _reasons(root: Path) -> dict[str, str]:
    return {
        GIT: f"module source '{GIT_SOURCE}' is not local (only local paths are read)",
        GONE: f"module source './extra' ({root.resolve() / 'projects/civic-tech-jobs/extra'}) does not exist",
    }


def _notes(root: Path) -> list[str]:
    return [f"{addr}: {why}; its resources are not checked" for addr, why in _reasons(root).items()]


def _unknown(rule_id: str, address: str, why: str) -> str:
    if rule_id == "CTJ020":  # it reports unread modules itself: one may declare a database (issue 10)
        return f"cannot tell whether module call {address} declares a managed database: {why}"
    return (
        f"cannot pass while {address} is not evaluated: {why}; it may deploy what {rule_id} judges ({NEEDS[rule_id]}); "
        "make its source readable (a local path) or check the plan JSON, which holds its resources"
    )


def _report(loaded, evaluation) -> Report:
    return Report(
        tool_name="ctj-policy",
        tool_version="0.1.0",
        input=loaded.info,
        results=evaluation.results,
        exit_code=evaluation.exit_code(),
        deployment=loaded.deployment,
    )


def test_needs_table_covers_every_rule():
    assert set(NEEDS) == {r.id for r in ALL_RULES}
    assert {r.id: ", ".join(dict.fromkeys(rule_needs(r))) or None for r in ALL_RULES} == NEEDS


def test_the_stage1_tree_passes_without_the_unread_modules():
    """The control: the same tree without the two calls passes every rule, so the unknowns below are theirs."""
    loaded = load_hcl(TERRAFORM / "stage1", DEFAULT)
    assert loaded.deployment.unevaluated_modules == [] and loaded.deployment.notes == []
    assert {r.status for r in evaluate(loaded.deployment, DEFAULT).results} == {"pass"}


def test_every_rule_is_unknown_naming_each_unread_module(tree):
    loaded = load_hcl(tree, DEFAULT)
    evaluation = evaluate(loaded.deployment, DEFAULT)
    reasons = _reasons(tree)
    got = [(r.rule_id, r.status, r.address, r.message, r.location.file, r.location.line) for r in evaluation.results]
    expected = sorted(
        (
            rule_id,
            "unknown",
            addr,
            _unknown(rule_id, addr, reasons[addr]),
            str(tree / PROJECT_FILE),
            {GIT: 17, GONE: 21}[addr],
        )
        for rule_id in TERRAFORM_RULES
        for addr in (GIT, GONE)
    )
    assert got == expected
    assert all(r.subject is not None and r.subject.key() == f"block:{r.address}" for r in evaluation.results)
    # the call site of the CTJ module call comes along (the root main.tf's module "civic-tech-jobs")
    assert {(r.location.call_site.file, r.location.call_site.line) for r in evaluation.results} == {
        (str(tree / "main.tf"), 73)
    }
    assert evaluation.exit_code() == 1
    assert evaluation.exit_code(allow_unknown=True) == 0


def test_workflow_rules_are_unknown_where_an_unread_module_may_hold_the_task(tree):
    """With --workflow: the lockstep rules that judge the workflow against the CTJ task or service cannot pass
    while a module may hold them; CTJ043 (the workflow and the configured role only) stands (a verdict that is
    not a pass would stand too). CTJ041 passes on the Stage 1 sources: the service's cluster is named by its
    aws_ecs_cluster block."""
    workflow = load_workflow(str(STAGE1_WORKFLOW), DEFAULT)

    def lockstep(root: Path) -> list[tuple]:
        deployment = load_hcl(root, DEFAULT).deployment
        deployment.workflows.append(workflow)
        results = evaluate(deployment, DEFAULT).results
        return [(r.rule_id, r.status, r.address, r.message, r.location.file, r.location.line) for r in results
                if r.rule_id in WORKFLOW]

    control = lockstep(TERRAFORM / "stage1")
    assert [(rule_id, status) for rule_id, status, *_ in control] == [
        ("CTJ040", "pass"), ("CTJ041", "pass"), ("CTJ042", "pass"), ("CTJ043", "pass"), ("CTJ044", "pass")]
    reasons = _reasons(tree)
    expected = []
    for rule_id, status, *rest in control:
        if status == "pass" and NEEDS[rule_id]:
            expected += [(rule_id, "unknown", addr, _unknown(rule_id, addr, reasons[addr]), str(tree / PROJECT_FILE),
                          {GIT: 17, GONE: 21}[addr]) for addr in (GIT, GONE)]
        else:  # the same verdict, read from the same workflow and the same (copied) Terraform
            expected.append((rule_id, status, *rest))
    assert lockstep(tree) == expected


def test_a_failure_in_what_was_evaluated_stands(tree):
    """Only passes become unknown: a defect in the evaluated code still fails, and nothing is added to it."""
    stage = tree / "projects" / "civic-tech-jobs" / "environment-stage.tf"
    text = stage.read_text()
    assert text.count("desired_count                      = 1") == 1
    stage.write_text(text.replace("desired_count                      = 1", "desired_count                      = 2"))
    evaluation = evaluate(load_hcl(tree, DEFAULT).deployment, DEFAULT)
    ctj026 = [(r.status, r.address) for r in evaluation.results if r.rule_id == "CTJ026"]
    assert ctj026 == [("fail", f"{SCOPE}.module.civic_tech_jobs_stage_service.aws_ecs_service.this")]
    others = {(r.rule_id, r.status) for r in evaluation.results if r.rule_id != "CTJ026"}
    assert others == {(rule_id, "unknown") for rule_id in TERRAFORM_RULES if rule_id != "CTJ026"}


def test_a_waiver_on_the_module_call_accepts_its_unknowns(tree):
    """A maintainer who has reviewed the remote module says so on its address; the other module still counts."""
    config = Config(waivers=(WaiverSpec(rule="CTJ0*", address=GIT, reason="reviewed alarms module v1.2.0"),))
    evaluation = evaluate(load_hcl(tree, config).deployment, config)
    by = {(r.address, r.status) for r in evaluation.results}
    assert by == {(GIT, "waived"), (GONE, "unknown")}
    assert evaluation.exit_code() == 1


def test_the_notes_reach_every_format(tree):
    loaded = load_hcl(tree, DEFAULT)
    assert loaded.deployment.notes == _notes(tree)
    report = _report(loaded, evaluate(loaded.deployment, DEFAULT))
    notes = _notes(tree)

    text = render("text", report).splitlines()
    i = text.index("notes (2)")
    assert text[i + 1 : i + 3] == [f"note: {n}" for n in notes]
    assert text[-1] == "0 passed, 0 failed, 36 unknown, 0 waived"

    doc = json.loads(render("json", report))
    assert doc["notes"] == notes

    markdown = render("markdown", report).splitlines()
    i = markdown.index("### Not checked")
    assert markdown[i + 2 : i + 4] == [f"- {n}" for n in notes]
    assert i < markdown.index("### Failing and undecided")

    sarif = json.loads(render("sarif", report))
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation == {
        "executionSuccessful": True,
        "toolExecutionNotifications": [{"level": "warning", "message": {"text": n}} for n in notes],
    }

    github = render("github", report).splitlines()
    assert [line for line in github if "title=ctj-policy note" in line] == [
        "::warning title=ctj-policy note::not checked: " + n.replace("%", "%25") for n in notes
    ]

    junit = ET.fromstring(render("junit", report))
    (suite,) = [s for s in junit.iter("testsuite") if s.get("name") == "ctj-policy notes"]
    assert [p.get("value") for p in suite.iter("property")] == notes
    assert suite.findtext("system-err") == "\n".join(f"not checked: {n}" for n in notes)
    assert suite.get("tests") == "0" and not list(suite.iter("testcase"))
    assert junit.get("tests") == "36" and junit.get("failures") == "36"


def test_no_notes_no_notes_section():
    """Without notes nothing is added (the JSON report's ``notes`` is an empty list)."""
    loaded = load_hcl(TERRAFORM / "stage1", DEFAULT)
    report = _report(loaded, evaluate(loaded.deployment, DEFAULT))
    assert "notes (" not in render("text", report)
    assert "### Not checked" not in render("markdown", report)
    assert "invocations" not in json.loads(render("sarif", report))["runs"][0]
    assert "title=ctj-policy note" not in render("github", report)
    assert "ctj-policy notes" not in render("junit", report)
    assert json.loads(render("json", report))["notes"] == []


def test_json_notes_validate_against_the_schema(tree):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    schema = json.loads((Path(__file__).parent.parent / "ctj_policy" / "schemas" / "report.schema.json").read_text())
    loaded = load_hcl(tree, DEFAULT)
    doc = json.loads(render("json", _report(loaded, evaluate(loaded.deployment, DEFAULT))))
    jsonschema.validate(doc, schema)
    bad = {**doc, "notes": [""]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


# --------------------------------------------------------------------------
# plan mode: the plan holds every module's resources
# --------------------------------------------------------------------------


def test_a_plan_calling_a_git_module_is_judged_on_its_resources(tmp_path):
    """The plan of a project whose service module comes from git: Terraform installed it to plan, and its
    resources are in the plan, so nothing is unevaluated and the verdicts are the local-source plan's."""
    doc = json.loads((PLANS / "stage1-project.json").read_text(encoding="utf-8"))
    call = doc["configuration"]["root_module"]["module_calls"]["civic_tech_jobs_stage_service"]
    assert call["source"] == "../../modules/multi-container-service" and call["module"]["resources"]
    call["source"] = "git::https://github.com/hackforla/incubator.git//terraform/modules/multi-container-service?ref=v1"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_plan(str(plan), DEFAULT)
    assert loaded.deployment.unevaluated_modules == [] and loaded.deployment.notes == []
    assert any(s.address.endswith("civic_tech_jobs_stage_service.aws_ecs_service.this") for s in loaded.deployment.services)
    got = [(r.rule_id, r.status, r.message) for r in evaluate(loaded.deployment, DEFAULT).results]
    local = load_plan(str(PLANS / "stage1-project.json"), DEFAULT)
    assert got == [(r.rule_id, r.status, r.message) for r in evaluate(local.deployment, DEFAULT).results]
    assert {status for _, status, _ in got} == {"pass"}


def test_source_dir_notes_about_unread_modules_do_not_apply_to_the_plan(tree):
    """--source-dir with sources that call an unreadable module: the plan has what it deploys (or it is not
    in the plan at all), so its verdicts and notes are the plan's, not HCL mode's unknowns."""
    loaded = load_plan(str(PLANS / "cutover.json"), DEFAULT)
    apply_sources(loaded, tree, DEFAULT)
    assert loaded.deployment.unevaluated_modules == [] and loaded.deployment.notes == []
    evaluation = evaluate(loaded.deployment, DEFAULT)
    assert {(r.rule_id, r.status) for r in evaluation.results} == {(rule_id, "pass") for rule_id in TERRAFORM_RULES}
