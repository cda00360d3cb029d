"""Where findings point (SPEC 9, "locations a CTJ maintainer can act on").

A block built inside a module CTJ calls (the shared modules/container, modules/database, modules/ecr) is
shown at CTJ's own call site in projects/civic-tech-jobs/*.tf, the block itself being a related location;
a block of the CTJ project keeps its own location; a result about something missing is shown where CTJ
declares its service.  Exact file:line expectations on fixtures/terraform/incubator (lines found from the
block headers, each asserted), the same in plan mode with --source-dir, every format, redaction, and the
real incubator tree when ../shared holds it.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import PLANS, ROOT, TERRAFORM, run_cli
from ctj_policy.model import Deployment, InputInfo, Location, ModuleCall, Report, Result, Service, Subject
from ctj_policy.reporters import render
from ctj_policy.reporters.locations import anchor, module_depth, place
from test_reporters_ci import validate_sarif
from test_reporters_text_json import validate

INCUBATOR = TERRAFORM / "incubator"
CTJ = "projects/civic-tech-jobs"
SCOPE = "module.civic-tech-jobs"
CTJ_MOD = f"{SCOPE}.module"
SERVICE_CALL = "civic_tech_jobs_fullstack_stage_service"
DB_CALL = "civic_tech_jobs_stage_database"
ECR_CALL = "civic_tech_jobs_ecr_fullstack"


def line_of(path: Path, header: str) -> int:
    """The line of the block whose header starts with ``header`` (exactly one)."""
    found = [i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.startswith(header)]
    assert len(found) == 1, (path, header, found)
    return found[0]


def tree(tmp_path: Path) -> Path:
    root = tmp_path / "terraform"
    shutil.copytree(INCUBATOR, root, ignore=shutil.ignore_patterns("README.md"))
    return root


def check(target: Path | str, *args: str, fmt: str = "json", cwd: Path | None = None) -> str:
    out = run_cli("check", str(target), "--format", fmt, *args, cwd=cwd)
    assert out.returncode in (0, 1), out.stderr.decode()
    return out.stdout.decode()


def results_of(target: Path | str, *args: str, cwd: Path | None = None) -> list[dict]:
    doc = json.loads(check(target, *args, cwd=cwd))
    validate(doc)
    return doc["results"]


# ------------------------------------------------------------------ the policy, as a function


def test_a_block_of_a_shared_module_is_shown_at_the_projects_call_site():
    root_call = Location("main.tf", 3, module="")
    ctj_call = Location(f"{CTJ}/environment-stage.tf", 19, root_call, module=SCOPE)
    block = Location("modules/container/main.tf", 68, ctj_call, module=f"{CTJ_MOD}.{SERVICE_CALL}")
    p = place(block, SCOPE)
    assert p.primary == ctj_call
    [rel] = p.related
    assert rel.location == block
    assert rel.message == f"built by module modules/container ({'module.' + SERVICE_CALL})"


def test_two_modules_deep_the_calls_between_are_related_too():
    ctj_call = Location(f"{CTJ}/environment-stage.tf", 7, Location("main.tf", 3, module=""), module=SCOPE)
    inner_call = Location("modules/database/main.tf", 8, ctj_call, module=f"{CTJ_MOD}.{DB_CALL}")
    block = Location("modules/secret/main.tf", 14, inner_call, module=f"{CTJ_MOD}.{DB_CALL}.module.db_owner_password")
    p = place(block, SCOPE)
    assert p.primary == ctj_call
    assert [r.location for r in p.related] == [block, inner_call]
    assert p.related[0].message == f"built by module modules/secret (module.{DB_CALL}.module.db_owner_password)"
    assert p.related[1].message == f"db_owner_password called by module modules/database (module.{DB_CALL})"


def test_a_block_of_the_project_itself_keeps_its_location():
    own = Location(f"{CTJ}/civic-tech-jobs.tf", 1, Location("main.tf", 3, module=""), module=SCOPE)
    assert place(own, SCOPE) == type(place(own, SCOPE))(own, ())
    # the project directory checked on its own (scope: the whole input)
    call = Location(f"{CTJ}/environment-stage.tf", 19, module="")
    block = Location("modules/container/main.tf", 68, call, module=f"module.{SERVICE_CALL}")
    assert place(block, "").primary == call and place(call, "").related == ()
    assert place(None, SCOPE).primary is None


def test_a_chain_without_module_addresses_is_read_as_ending_in_the_root():
    block = Location("modules/container/main.tf", 6, Location(f"{CTJ}/env.tf", 20, Location("main.tf", 73)))
    assert place(block, SCOPE).primary == block.call_site
    assert place(block, "").primary == block.call_site.call_site
    assert place(Location("a.tf", 3), SCOPE).primary == Location("a.tf", 3)


def test_module_depth_reads_keys_with_dots_and_brackets():
    assert module_depth("") == 0 and module_depth(None) == 0
    assert module_depth(SCOPE) == 1
    assert module_depth('module.a["x.module.y"].module.b[0]') == 2
    assert module_depth('module.a["k]"].module.b') == 2


def _report(results, deployment=None, scope=SCOPE) -> Report:
    info = InputInfo("hcl", "terraform", None, None, scope)
    return Report("ctj-policy", "0.1.0", info, results, 1, deployment=deployment)


def test_a_result_about_something_missing_is_shown_where_the_project_declares_its_service():
    call = Location(f"{CTJ}/environment-stage.tf", 19, Location("main.tf", 3, module=""), module=SCOPE)
    svc = Service(
        f"{CTJ_MOD}.{SERVICE_CALL}.aws_ecs_service.fargate[0]",
        location=Location("modules/container/main.tf", 104, call, module=f"{CTJ_MOD}.{SERVICE_CALL}"),
    )
    dep = Deployment(scope=SCOPE, services=[svc])
    missing = Result(
        "CTJ010", "t", "error", "fail", "no listener rule routes /api/*", subject=Subject("route", "/api/*")
    )
    waiver = Result("CTJ026", "t", "error", "fail", "waiver expired", subject=Subject("waiver", "*"))
    passed = Result("CTJ012", "t", "error", "pass", "nothing admits 5432")
    assert anchor(_report([], dep)) == call
    doc = json.loads(render("json", _report([missing, waiver, passed], dep)))
    by_rule = {r["rule_id"]: r["location"] for r in doc["results"]}
    assert by_rule["CTJ010"] == {"file": f"{CTJ}/environment-stage.tf", "line": 19}
    assert by_rule["CTJ026"] is None and by_rule["CTJ012"] is None
    # no service, no task: the project's own module call (found from any located block of the project)
    block = ModuleCall(
        f"{CTJ_MOD}.x", location=Location(f"{CTJ}/x.tf", 5, Location("main.tf", 3, module=""), module=SCOPE)
    )
    assert anchor(_report([], Deployment(scope=SCOPE, module_calls=[block]))) == Location("main.tf", 3, module="")
    assert anchor(_report([], Deployment(scope=SCOPE))) is None


# ------------------------------------------------------------------ the incubator tree (HCL mode)


@pytest.fixture(scope="module")
def incubator(tmp_path_factory):
    root = tree(tmp_path_factory.mktemp("inc"))
    env = root / CTJ / "environment-stage.tf"
    lines = {
        "service_call": line_of(env, f'module "{SERVICE_CALL}"'),
        "db_call": line_of(env, f'module "{DB_CALL}"'),
        "ecr_call": line_of(root / CTJ / "civic-tech-jobs.tf", f'module "{ECR_CALL}"'),
        "task": line_of(root / "modules/container/main.tf", 'resource "aws_ecs_task_definition" "task"'),
        "service": line_of(root / "modules/container/main.tf", 'resource "aws_ecs_service" "fargate"'),
        "repo": line_of(root / "modules/ecr/main.tf", 'resource "aws_ecr_repository" "this"'),
        "rds": line_of(root / "modules/database/main.tf", 'data "aws_db_instance" "shared"'),
    }
    return root, lines, results_of(root.name, cwd=root.parent)


def _where(r: dict) -> tuple:
    loc = r["location"]
    return (loc["file"], loc["line"], tuple((x["file"], x["line"]) for x in loc.get("related", ())))


def test_incubator_every_finding_is_shown_in_a_ctj_file(incubator):
    _, _, results = incubator
    shown = [r for r in results if r["status"] != "pass"]
    assert shown
    for r in shown:
        assert r["location"], r
        assert r["location"]["file"].startswith(f"terraform/{CTJ}/") and r["location"]["file"].endswith(".tf"), r


def test_incubator_exact_locations(incubator):
    _, ln, results = incubator
    env = f"terraform/{CTJ}/environment-stage.tf"
    expected = {
        # address suffix -> (primary file, line, related)
        f"{SERVICE_CALL}.aws_ecs_task_definition.task": (
            env,
            ln["service_call"],
            (("terraform/modules/container/main.tf", ln["task"]),),
        ),
        f"{SERVICE_CALL}.aws_ecs_service.fargate[0]": (
            env,
            ln["service_call"],
            (("terraform/modules/container/main.tf", ln["service"]),),
        ),
        f"{ECR_CALL}.aws_ecr_repository.this": (
            f"terraform/{CTJ}/civic-tech-jobs.tf",
            ln["ecr_call"],
            (("terraform/modules/ecr/main.tf", ln["repo"]),),
        ),
        f"{DB_CALL}.data.aws_db_instance.shared": (
            env,
            ln["db_call"],
            (("terraform/modules/database/main.tf", ln["rds"]),),
        ),
        # blocks of the CTJ project itself: their own location, nothing related
        f"module.{SERVICE_CALL}": (env, ln["service_call"], ()),
        f"module.{DB_CALL}": (env, ln["db_call"], ()),
    }
    seen = set()
    for r in results:
        for suffix, want in expected.items():
            if (r["address"] or "") == f"{CTJ_MOD}.{suffix}" or (r["address"] or "") == f"{SCOPE}.{suffix}":
                assert _where(r) == want, r
                seen.add(suffix)
    assert seen == set(expected), set(expected) - seen
    related = [x for r in results if r["location"] for x in r["location"].get("related", ())]
    assert related and all(
        re.match(r"built by module terraform/modules/(container|ecr|database) \(module\.", x["message"])
        for x in related
    )
    # results about something missing: where CTJ declares its service
    missing = [r for r in results if r["address"] is None and r["status"] != "pass"]
    assert missing
    assert {_where(r) for r in missing} == {(env, ln["service_call"], ())}


def test_incubator_a_block_two_modules_deep(tmp_path):
    root = tree(tmp_path)
    secret = root / "modules/secret/main.tf"
    secret.write_text(secret.read_text() + '\nresource "aws_db_instance" "nested" {\n  engine = "postgres"\n}\n')
    nested = line_of(secret, 'resource "aws_db_instance" "nested"')
    call = line_of(root / "modules/database/main.tf", 'module "db_owner_password"')
    results = results_of(root.name, cwd=tmp_path)
    [r] = [r for r in results if r["address"] == f"{CTJ_MOD}.{DB_CALL}.module.db_owner_password.aws_db_instance.nested"]
    assert _where(r) == (
        f"terraform/{CTJ}/environment-stage.tf",
        line_of(root / CTJ / "environment-stage.tf", f'module "{DB_CALL}"'),
        (("terraform/modules/secret/main.tf", nested), ("terraform/modules/database/main.tf", call)),
    )
    assert [x["message"] for x in r["location"]["related"]] == [
        f"built by module terraform/modules/secret (module.{DB_CALL}.module.db_owner_password)",
        f"db_owner_password called by module terraform/modules/database (module.{DB_CALL})",
    ]
    text = check(root.name, cwd=tmp_path, fmt="text")
    assert (
        f"(terraform/{CTJ}/environment-stage.tf:{_where(r)[1]} via terraform/modules/database/main.tf:{call}"
        f" via terraform/modules/secret/main.tf:{nested})" in text
    )


def test_incubator_every_format_shows_the_primary_and_the_shared_block(incubator, tmp_path):
    root, ln, _ = incubator
    cwd = root.parent
    primary = f"terraform/{CTJ}/environment-stage.tf"
    block = f"terraform/modules/container/main.tf:{ln['task']}"

    sarif_text = check(root.name, fmt="sarif", cwd=cwd)
    sarif = json.loads(sarif_text)
    results = sarif["runs"][0]["results"]
    for r in results:
        phys = r["locations"][0]["physicalLocation"]
        assert phys["artifactLocation"]["uri"].startswith(f"terraform/{CTJ}/") and phys["region"]["startLine"] >= 1
        for i, rel in enumerate(r.get("relatedLocations", ()), 1):
            assert rel["id"] == i and rel["message"]["text"].startswith(("built by module", "db_")), rel
    task = [
        r
        for r in results
        if r["locations"][0]
        .get("logicalLocations", [{}])[0]
        .get("fullyQualifiedName", "")
        .endswith("aws_ecs_task_definition.task")
    ]
    assert task
    for r in task:
        assert r["locations"][0]["physicalLocation"]["region"]["startLine"] == ln["service_call"]
        [rel] = r["relatedLocations"]
        assert rel["physicalLocation"]["artifactLocation"]["uri"] == "terraform/modules/container/main.tf"
        assert rel["physicalLocation"]["region"]["startLine"] == ln["task"]
        assert rel["message"]["text"] == f"built by module terraform/modules/container (module.{SERVICE_CALL})"
    (tmp_path / "incubator.sarif").write_text(sarif_text, encoding="utf-8")
    assert validate_sarif([tmp_path / "incubator.sarif"], tmp_path) == {"incubator.sarif": []}

    github = [ln_ for ln_ in check(root.name, fmt="github", cwd=cwd).splitlines() if ln_.startswith("::")]
    assert github
    for cmd in github:
        props = cmd.split("::", 2)[1]
        assert re.search(r"file=terraform/projects/civic-tech-jobs/[^,]+\.tf,line=\d+,", props), cmd
    assert any(f"file={primary},line={ln['service_call']}," in c and c.endswith(f"(via {block})") for c in github)

    junit = ET.fromstring(check(root.name, fmt="junit", cwd=cwd))
    cases = [c for c in junit.iter("testcase") if c.get("name", "").endswith("aws_ecs_task_definition.task")]
    assert cases and all(c.get("file") == primary and c.get("line") == str(ln["service_call"]) for c in cases)
    failure = next(c.find("failure") for c in cases if c.find("failure") is not None)
    assert f"related: {block} (built by module terraform/modules/container" in failure.text

    text = check(root.name, fmt="text", cwd=cwd)
    assert f"({primary}:{ln['service_call']} via {block}):" in text
    assert f"(terraform/{CTJ}/civic-tech-jobs.tf:{ln['ecr_call']}):" in text  # the CTJ block: no via

    md = check(root.name, fmt="markdown", cwd=cwd)
    assert f"`{primary}:{ln['service_call']}`<br>via `{block}`" in md


# ------------------------------------------------------------------ plan mode


@pytest.mark.parametrize("sources", ["root", "project"])
def test_plan_mode_with_source_dir_places_like_hcl_mode(sources):
    legacy = TERRAFORM / "legacy"
    source_dir = legacy if sources == "root" else legacy / CTJ
    results = results_of(PLANS / "legacy.json", "--source-dir", str(source_dir))
    env = legacy / CTJ / "environment-stage.tf"
    rel = lambda p: str(p.relative_to(ROOT))  # noqa: E731 - paths as the CLI prints them (run from the repo root)
    call = line_of(env, f'module "{SERVICE_CALL}"')
    task = line_of(legacy / "modules/container/main.tf", 'resource "aws_ecs_task_definition" "task"')
    [r] = [r for r in results if r["rule_id"] == "CTJ001"]
    assert _where(r) == (rel(env), call, ((rel(legacy / "modules/container/main.tf"), task),))
    assert r["location"]["related"][0]["message"].startswith("built by module ")
    for r in results:
        if r["status"] != "pass":
            assert r["location"] and r["location"]["file"].startswith(rel(legacy / CTJ) + "/"), r


def test_plan_mode_without_sources_has_no_tf_location_but_annotations_name_the_plan():
    plan = str(PLANS / "legacy.json")
    results = results_of(plan)
    assert all(r["location"] is None for r in results)
    github = [ln for ln in check(plan, fmt="github").splitlines() if ln.startswith("::error")]
    assert github and all(f"file={plan},line=1," in ln for ln in github)


# ------------------------------------------------------------------ redaction


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit", "markdown"])
def test_related_locations_are_redacted(fmt):
    secret = "hunter2-s3cr3t"
    call = Location(f"{CTJ}/env.tf", 19, Location("main.tf", 3, module=""), module=SCOPE)
    block = Location(f"modules/{secret}/main.tf", 68, call, module=f"{CTJ_MOD}.svc_{secret}")
    result = Result("CTJ001", "t", "error", "fail", "task has 1 container", f"{CTJ_MOD}.svc.x", block)
    out = render(
        fmt, _report([result], Deployment(scope=SCOPE, redact={secret})), **({"root": ROOT} if fmt == "sarif" else {})
    )
    assert secret not in out
    assert f"{CTJ}/env.tf" in out  # the primary location is still shown


# ------------------------------------------------------------------ the real incubator tree


def test_real_tree_locations(shared_path, tmp_path):
    real = shared_path("incubator", "terraform")
    cwd = real.parent
    results = results_of(real.name, cwd=cwd)
    shown = [r for r in results if r["status"] != "pass"]
    assert shown
    for r in shown:
        loc = r["location"]
        assert loc and loc["file"].endswith(".tf") and loc["file"].startswith(f"terraform/{CTJ}/"), r
    env = real / CTJ / "environment-stage.tf"
    call = line_of(env, f'module "{SERVICE_CALL}"')
    task = line_of(real / "modules/container/main.tf", 'resource "aws_ecs_task_definition" "task"')
    tasks = [r for r in shown if (r["address"] or "").endswith(f"{SERVICE_CALL}.aws_ecs_task_definition.task")]
    assert tasks and {_where(r) for r in tasks} == {
        (f"terraform/{CTJ}/environment-stage.tf", call, (("terraform/modules/container/main.tf", task),))
    }
    sarif_text = check(real.name, fmt="sarif", cwd=cwd)
    sarif = json.loads(sarif_text)
    for r in sarif["runs"][0]["results"]:
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(f"terraform/{CTJ}/")
    assert any(r.get("relatedLocations") for r in sarif["runs"][0]["results"])
    (tmp_path / "real.sarif").write_text(sarif_text, encoding="utf-8")
    assert validate_sarif([tmp_path / "real.sarif"], tmp_path) == {"real.sarif": []}
    for cmd in check(real.name, fmt="github", cwd=cwd).splitlines():
        if cmd.startswith(("::error", "::warning")):
            props = cmd.split("::", 2)[1]
            assert "file=terraform/projects/civic-tech-jobs/" in props and ",line=" in props, cmd
