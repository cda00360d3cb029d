"""Plan mode with --source-dir: the cutover plan gets real verdicts, and findings carry file:line."""

from __future__ import annotations

import json

from conftest import PLANS, TERRAFORM, run_cli
from ctj_policy.config import DEFAULT
from ctj_policy.engine import evaluate
from ctj_policy.loaders.hcl import apply_sources
from ctj_policy.loaders.plan import load_plan

DECIDED = {"CTJ001", "CTJ022", "CTJ023", "CTJ024", "CTJ025"}


def _results(*args: str) -> tuple[int, list[dict]]:
    out = run_cli("check", *args, "--format", "json")
    assert out.returncode in (0, 1), out.stderr.decode()
    return out.returncode, json.loads(out.stdout)["results"]


def test_cutover_without_sources_is_unknown():
    _, results = _results(str(PLANS / "cutover.json"))
    assert {r["rule_id"] for r in results if r["status"] == "unknown"} >= DECIDED


def test_cutover_with_source_dir_decides_every_container_rule():
    code, results = _results(str(PLANS / "cutover.json"), "--source-dir", str(TERRAFORM / "stage1"))
    unknown = {r["rule_id"] for r in results if r["status"] == "unknown"}
    assert not unknown & DECIDED, unknown
    assert {r["rule_id"] for r in results if r["status"] == "pass"} >= DECIDED
    assert code == 0
    assert not [r for r in results if r["status"] in ("fail", "unknown")]


def test_cutover_with_the_project_dir_as_sources():
    """--source-dir may name the project directory: its addresses live under the plan's scope."""
    loaded = load_plan(str(PLANS / "cutover.json"), DEFAULT)
    apply_sources(loaded, TERRAFORM / "stage1" / "projects" / "civic-tech-jobs", DEFAULT)
    td = loaded.deployment.task_definitions[0]
    assert isinstance(td.containers, tuple) and len(td.containers) == 3
    statuses = {r.rule_id: r.status for r in evaluate(loaded.deployment, DEFAULT).results}
    assert all(statuses[r] == "pass" for r in DECIDED), statuses


def test_findings_carry_file_and_line():
    _, results = _results(str(PLANS / "cutover.json"), "--source-dir", str(TERRAFORM / "stage1"))
    # a block of the shared module: shown at the project's module call, the block itself related (SPEC 9)
    td = [r for r in results if r["rule_id"] == "CTJ001"][0]
    assert td["location"]["file"].endswith("stage1/projects/civic-tech-jobs/environment-stage.tf")
    assert td["location"]["line"] == 59
    [block] = td["location"]["related"]
    assert block["file"].endswith("modules/multi-container-service/main.tf") and block["line"] == 4
    svc = [r for r in results if r["rule_id"] == "CTJ026"][0]
    [block] = svc["location"]["related"]
    assert block["file"].endswith("modules/multi-container-service/main.tf")
    text = (TERRAFORM / "stage1" / block["file"].split("stage1/", 1)[1]).read_text().splitlines()
    assert text[block["line"] - 1].startswith('resource "aws_ecs_service"')


def test_every_model_element_gets_a_location_with_its_call_sites():
    loaded = load_plan(str(PLANS / "whole-account.json"), DEFAULT)
    apply_sources(loaded, TERRAFORM / "stage1", DEFAULT)
    for res in loaded.deployment.all_resources():
        assert res.location is not None, res.address
    td = loaded.deployment.task_definitions[0]
    assert td.location.call_site.file.endswith("projects/civic-tech-jobs/environment-stage.tf")
    assert td.location.call_site.call_site.file.endswith("stage1/main.tf")


def test_known_containers_are_kept_from_the_plan():
    loaded = load_plan(str(PLANS / "whole-account.json"), DEFAULT)
    before = loaded.deployment.task_definitions[0].containers
    apply_sources(loaded, TERRAFORM / "stage1", DEFAULT)
    after = loaded.deployment.task_definitions[0].containers
    assert [c.image for c in after] == [c.image for c in before]  # plan values win over the sources
    assert all(isinstance(c.image, str) for c in after)


def test_hcl_mode_findings_all_carry_locations():
    _, results = _results(str(TERRAFORM / "legacy"))
    for r in results:
        if r["address"]:
            assert r["location"] and r["location"]["line"] > 0, r


def test_tf_var_environment_values_fill_the_sources(tmp_path, monkeypatch):
    """Issue 11: --source-dir evaluates the sources with TF_VAR_name values, as Terraform would."""
    import shutil

    from ctj_policy.model import Unknown

    tree = tmp_path / "stage1"
    shutil.copytree(TERRAFORM / "stage1", tree, symlinks=True)
    project = tree / "projects" / "civic-tech-jobs"
    stage = project / "environment-stage.tf"
    text = stage.read_text()
    assert '{ name = "SQL_HOST", value = "localhost" }' in text
    stage.write_text(text.replace('{ name = "SQL_HOST", value = "localhost" }', '{ name = "SQL_HOST", value = var.sql_host }'))
    with open(project / "variables.tf", "a") as fh:
        fh.write('\nvariable "sql_host" {\n  type = string\n}\n')

    def sql_host():
        loaded = load_plan(str(PLANS / "cutover.json"), DEFAULT)
        apply_sources(loaded, project, DEFAULT)
        [value] = [e.value for c in loaded.deployment.task_definitions[0].containers for e in c.environment if e.name == "SQL_HOST"]
        return value

    monkeypatch.delenv("TF_VAR_sql_host", raising=False)
    assert isinstance(sql_host(), Unknown)
    monkeypatch.setenv("TF_VAR_sql_host", "localhost")
    assert sql_host() == "localhost"
