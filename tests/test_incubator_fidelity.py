"""Right about the real incubator shapes (SPEC 9), today and on every step of the migration.

The trees: fixtures/terraform/incubator (today's CTJ in the incubator's real shapes: six ../secret modules
inside modules/database, the RDS data source, the shared container module with its host-header rule, the
fullstack env list) and fixtures/terraform/incubator-stage1 (the Stage 1 CTJ project for that tree). Each
test builds a contributor's step from them. The same checks run on ../shared/incubator/terraform when it
is there.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

INCUBATOR = ROOT / "fixtures" / "terraform" / "incubator"
STAGE1_CTJ = ROOT / "fixtures" / "terraform" / "incubator-stage1" / "projects" / "civic-tech-jobs"
REAL = ROOT.parent / "shared" / "incubator" / "terraform"
CTJ_DIR = "projects/civic-tech-jobs"
ENV_FILE = f"{CTJ_DIR}/environment-stage.tf"


def tree(tmp_path: Path, *, stage1: bool = False, base: Path = INCUBATOR) -> Path:
    root = tmp_path / "terraform"
    shutil.copytree(base, root, ignore=shutil.ignore_patterns("README.md"))
    if stage1:
        shutil.rmtree(root / CTJ_DIR)
        shutil.copytree(STAGE1_CTJ, root / CTJ_DIR)
    return root


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new))


def check(root: Path, *args: str) -> tuple[int, list[dict], str]:
    out = run_cli("check", str(root), "--format", "json", *args)
    assert out.returncode in (0, 1), out.stderr.decode()
    return out.returncode, json.loads(out.stdout)["results"], out.stdout.decode()


def by_rule(results: list[dict], rule: str, status: str | None = None) -> list[dict]:
    return [r for r in results if r["rule_id"] == rule and (status is None or r["status"] == status)]


def statuses(results: list[dict]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in results:
        out.setdefault(r["rule_id"], set()).add(r["status"])
    return out


# ------------------------------------------------------------------ the fixture trees themselves


def test_legacy_tree_fails_like_the_real_one_and_stage1_passes(tmp_path):
    code, results, _ = check(tree(tmp_path / "a"))
    assert code == 1
    assert {r for r, s in statuses(results).items() if s == {"pass"}} == {"CTJ003", "CTJ012", "CTJ030"}
    code, results, _ = check(tree(tmp_path / "b", stage1=True))
    assert code == 0 and all(r["status"] == "pass" for r in results), [r for r in results if r["status"] != "pass"]


def test_other_projects_never_produce_a_ctj_finding(tmp_path):
    _, results, _ = check(tree(tmp_path))
    assert not [r for r in results if r["address"] and ".vrms" in r["address"] or "vrms" in r["message"]]


# ------------------------------------------------------------------ classification by what a block deploys

def XFAIL_SECRET_MODULES(f):
    return f  # built (issue 10): classification by declared types


@XFAIL_SECRET_MODULES
def test_no_ctj020_result_names_a_secret_module(tmp_path):
    _, results, _ = check(tree(tmp_path))
    named = [r["address"] for r in by_rule(results, "CTJ020") if re.search(r"\.module\.db_(owner|user|viewer)_(password|username)$", r["address"] or "")]
    assert named == []
    # the database module call itself and what it deploys still fail
    assert any((r["address"] or "").endswith("module.civic_tech_jobs_stage_database") for r in by_rule(results, "CTJ020", "fail"))


@XFAIL_SECRET_MODULES
def test_a_db_password_secret_module_in_a_correct_stage1_passes(tmp_path):
    root = tree(tmp_path, stage1=True)
    (root / CTJ_DIR / "secrets.tf").write_text(
        'module "db_password" {\n'
        '  source           = "../../modules/secret"\n'
        "  project_name     = local.project_name_civic_tech_jobs\n"
        '  application_type = "fullstack"\n'
        '  environment      = "stage"\n'
        '  name             = "db-password"\n'
        "}\n"
    )
    code, results, _ = check(root)
    assert by_rule(results, "CTJ020") and all(r["status"] == "pass" for r in by_rule(results, "CTJ020"))
    assert code == 0


# ------------------------------------------------------------------ the legacy container is the backend

def XFAIL_ROLES(f):
    return f  # built (issue 10): roles by evidence


@XFAIL_ROLES
def test_legacy_fullstack_container_is_judged_as_the_backend(tmp_path):
    _, results, _ = check(tree(tmp_path))
    host = [r for r in by_rule(results, "CTJ022", "fail") if "SQL_HOST" in r["message"]]
    assert host, by_rule(results, "CTJ022")
    assert re.search(r"backend by .*8000", host[0]["message"]) or "evidence" in host[0]["message"], host[0]["message"]
    assert re.search(r"RDS|managed.database|aws_db_instance", host[0]["message"]), host[0]["message"]
    c032 = " ".join(r["message"] for r in by_rule(results, "CTJ032", "fail"))
    assert "DJANGO_SECRET_KEY" in c032 and "DJANGO_DEBUG" in c032
    assert not [r for r in results if "no backend container" in r["message"]]


@XFAIL_ROLES
def test_fixing_sql_host_changes_the_report(tmp_path):
    root = tree(tmp_path)
    _, _, before = check(root)
    edit(root, ENV_FILE, '"value" : module.civic_tech_jobs_stage_database.host', '"value" : "localhost"')
    _, results, after = check(root)
    assert before != after
    assert not [r for r in by_rule(results, "CTJ022", "fail") if "SQL_HOST" in r["message"]]


# ------------------------------------------------------------------ provenance decides what apply-time cannot

def XFAIL_PROVENANCE(f):
    return f  # built (issue 10): an RDS attribute is a managed-database endpoint


@XFAIL_PROVENANCE
def test_stage1_with_sql_host_from_the_database_module_fails_ctj022(tmp_path):
    root = tree(tmp_path, stage1=True)
    (root / CTJ_DIR / "database.tf").write_text(
        'module "civic_tech_jobs_stage_database" {\n'
        '  source           = "../../modules/database"\n'
        "  project_name     = local.project_name_civic_tech_jobs\n"
        '  application_type = "fullstack"\n'
        '  environment      = "stage"\n'
        "}\n"
    )
    edit(root, ENV_FILE, '{ name = "SQL_HOST", value = "localhost" }', '{ name = "SQL_HOST", value = module.civic_tech_jobs_stage_database.host }')
    _, results, _ = check(root)
    c022 = by_rule(results, "CTJ022")
    assert [r for r in c022 if r["status"] == "fail" and "SQL_HOST" in r["message"]], c022
    assert not [r for r in c022 if r["status"] == "unknown"], c022


# ------------------------------------------------------------------ half-edited trees



def test_deleting_the_database_module_but_not_its_uses_keeps_other_findings(tmp_path):
    root = tree(tmp_path)
    text = (root / ENV_FILE).read_text()
    start = text.index('module "civic_tech_jobs_stage_database"')
    end = text.index("}\n", start) + 2
    (root / ENV_FILE).write_text(text[:start] + text[end:])
    _, results, _ = check(root)
    c031 = by_rule(results, "CTJ031")
    assert [r for r in c031 if r["status"] == "fail" and "SECRET_KEY" in r["message"]], c031
    undeclared = [r for r in results if r["status"] == "unknown"]
    assert undeclared and all("module.civic_tech_jobs_stage_database" in r["message"] for r in undeclared), undeclared


# ------------------------------------------------------------------ sensitivity says where it comes from



def test_sql_user_is_not_claimed_marked_sensitive(tmp_path):
    _, results, _ = check(tree(tmp_path))
    for r in by_rule(results, "CTJ031", "fail"):
        if "SQL_USER" in r["message"]:
            assert "marked sensitive" not in r["message"] or "SecureString" in r["message"], r["message"]


# ------------------------------------------------------------------ locations a CTJ maintainer can act on

def _sarif(root: Path) -> dict:
    out = run_cli("check", str(root), "--format", "sarif")
    assert out.returncode in (0, 1), out.stderr.decode()
    return json.loads(out.stdout)


def test_every_sarif_result_points_at_a_ctj_tf_file_with_the_shared_block_related(tmp_path):
    root = tree(tmp_path)
    doc = _sarif(root)
    results = doc["runs"][0]["results"]
    assert results
    shared = 0
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert uri.endswith(".tf"), uri
        rel = uri.split("/terraform/", 1)[-1]
        assert rel.startswith(CTJ_DIR + "/") or rel == "main.tf", uri
        assert loc["region"]["startLine"] >= 1
        shared += bool(r.get("relatedLocations"))
    assert shared, "no result carries the shared-module block as a related location"


def test_every_github_error_has_file_and_line(tmp_path):
    out = run_cli("check", str(tree(tmp_path)), "--format", "github")
    lines = [ln for ln in out.stdout.decode().splitlines() if ln.startswith(("::error", "::warning"))]
    assert lines
    for ln in lines:
        assert "file=" in ln and "line=" in ln, ln
        assert "modules/" not in ln.split("::", 2)[1], ln


# ------------------------------------------------------------------ the real tree, when it is beside the repo


@pytest.fixture
def real_tree(tmp_path):
    if not REAL.is_dir():
        pytest.skip(f"{REAL} not present: the real incubator tree is read from ../shared (CI has it)")
    return REAL


def test_real_tree_fails_today(real_tree):
    code, results, _ = check(real_tree)
    assert code == 1
    assert by_rule(results, "CTJ002", "fail") and by_rule(results, "CTJ020", "fail")


@XFAIL_ROLES
def test_real_tree_ctj022_and_ctj032_fail_with_evidence(real_tree):
    _, results, _ = check(real_tree)
    assert [r for r in by_rule(results, "CTJ022", "fail") if "SQL_HOST" in r["message"]]
    assert "DJANGO_SECRET_KEY" in " ".join(r["message"] for r in by_rule(results, "CTJ032", "fail"))


# ------------------------------------------------------------------ the same classification and degradation, unit by unit


def test_plan_mode_database_modules_by_declared_types():
    """Plan mode reads what a module call declares from the plan's configuration, never its name."""
    from ctj_policy.config import DEFAULT
    from ctj_policy.loaders.plan import build

    doc = json.loads((ROOT / "fixtures" / "plans" / "legacy.json").read_text())
    calls = doc["configuration"]["root_module"]["module_calls"]["civic-tech-jobs"]["module"]["module_calls"]
    secret_body = {"resources": [{"address": "aws_ssm_parameter.this", "mode": "managed", "type": "aws_ssm_parameter"},
                                 {"address": "random_password.password", "mode": "managed", "type": "random_password"}]}
    calls["db_password"] = {"source": "../../modules/secret", "module": secret_body}
    calls["storage"] = {"source": "../../modules/storage", "module": {"module_calls": {"inner": {"source": "../rds", "module": {
        "resources": [{"address": "aws_rds_cluster.this", "mode": "managed", "type": "aws_rds_cluster"}]}}}}}
    modules = {d.address for d in build(doc, DEFAULT).deployment.databases if d.kind == "module"}
    assert "module.civic-tech-jobs.module.civic_tech_jobs_stage_database" in modules  # declares postgresql_* and the RDS data source
    assert "module.civic-tech-jobs.module.db_password" not in modules  # a secret module, whatever its name
    assert {"module.civic-tech-jobs.module.storage", "module.civic-tech-jobs.module.storage.module.inner"} <= modules  # transitively


def test_an_undeclared_local_or_variable_degrades_only_its_value(tmp_path):
    root = tree(tmp_path)
    edit(root, ENV_FILE, '{ "name" : "ENVIRON", "value" : "stage" }', '{ "name" : "ENVIRON", "value" : local.deleted_environ }')
    edit(root, ENV_FILE, '"value" : module.civic_tech_jobs_stage_database.port', '"value" : var.deleted_port')
    _, results, _ = check(root)
    assert [r for r in by_rule(results, "CTJ031", "fail") if "SECRET_KEY" in r["message"]]
    assert [r for r in by_rule(results, "CTJ022", "fail") if "SQL_HOST" in r["message"]]  # still decided: it does not use them
    port = [r for r in by_rule(results, "CTJ022", "unknown") if "SQL_PORT" in r["message"]]
    assert port and "var.deleted_port" in port[0]["message"] and "not declared" in port[0]["message"], port


# ------------------------------------------------------------------ issue 10's "Done when", on the real tree


@pytest.fixture
def real_copy(real_tree, tmp_path):
    """A copy of the real tree a contributor's step can edit."""
    root = tmp_path / "terraform"
    shutil.copytree(real_tree, root, ignore=shutil.ignore_patterns("*.zip", ".terraform"))
    return root


def test_real_tree_ctj022_names_the_rds_source_and_the_evidence_and_ctj032_both_renames(real_tree):
    _, results, _ = check(real_tree)
    host = [r for r in by_rule(results, "CTJ022", "fail") if "SQL_HOST" in r["message"]]
    assert host, by_rule(results, "CTJ022")
    assert "backend by port 8000" in host[0]["message"] and "aws_db_instance" in host[0]["message"], host[0]["message"]
    c032 = " ".join(r["message"] for r in by_rule(results, "CTJ032", "fail"))
    assert "it sets SECRET_KEY instead" in c032 and "it sets DEBUG instead" in c032, c032
    assert not [r for r in results if "no backend container" in r["message"]]


def test_real_tree_no_ctj020_result_names_a_secret_module(real_tree):
    _, results, _ = check(real_tree)
    c020 = [r["address"] or "" for r in by_rule(results, "CTJ020")]
    assert any(a.endswith("module.civic_tech_jobs_stage_database") for a in c020), c020
    assert not [a for a in c020 if re.search(r"\.module\.db_(owner|user|viewer)_(password|username)(\.|$)", a)], c020


def test_real_tree_sarif_locations_are_ctj_files_with_the_shared_block_related(real_tree):
    results = _sarif(real_tree)["runs"][0]["results"]
    assert results
    related = 0
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        rel = uri.split("/terraform/", 1)[-1]
        assert uri.endswith(".tf") and (rel.startswith(CTJ_DIR + "/") or rel == "main.tf"), uri
        assert loc["region"]["startLine"] >= 1
        related += bool(r.get("relatedLocations"))
    # every result about a block inside a shared module carries that block as a related location
    shared = [r for r in results if any(
        "/modules/" in (rl.get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "")) for rl in r.get("relatedLocations") or [])]
    assert related and shared


def test_real_tree_every_github_annotation_has_file_and_line(real_tree):
    out = run_cli("check", str(real_tree), "--format", "github")
    lines = [ln for ln in out.stdout.decode().splitlines() if ln.startswith(("::error", "::warning"))]
    assert lines
    for ln in lines:
        params = ln.split("::", 2)[1]
        assert "file=" in params and "line=" in params, ln
        assert "modules/" not in params, ln


def test_real_tree_fixing_sql_host_changes_the_report(real_copy):
    _, _, before = check(real_copy)
    edit(real_copy, ENV_FILE, '"value" : module.civic_tech_jobs_stage_database.host', '"value" : "localhost"')
    _, results, after = check(real_copy)
    assert before != after
    assert not [r for r in by_rule(results, "CTJ022", "fail") if "SQL_HOST" in r["message"]]


def test_real_tree_sql_password_names_the_rds_owner_secret(real_tree):
    """CTJ023 says where SQL_PASSWORD comes from: the SSM parameter the database module creates."""
    _, results, _ = check(real_tree)
    msgs = [r["message"] for r in by_rule(results, "CTJ023", "fail") if "SQL_PASSWORD" in r["message"]]
    assert msgs, by_rule(results, "CTJ023")
    assert "module.db_owner_password.aws_ssm_parameter.this" in msgs[0] and "managed-database module" in msgs[0], msgs[0]
    assert "module.civic_tech_jobs_stage_database" in msgs[0] and "aws_db_instance" in msgs[0], msgs[0]


# ------------------------------------------------------------------ the same on the fixture tree


def test_sql_password_from_the_database_modules_secret_is_reported(tmp_path):
    _, results, _ = check(tree(tmp_path))
    msgs = [r for r in by_rule(results, "CTJ023", "fail") if "SQL_PASSWORD" in r["message"]]
    assert msgs and "managed-database module" in msgs[0]["message"], by_rule(results, "CTJ023")
    assert not msgs[0].get("caused_by"), msgs[0]  # about a variable that is there: not folded under CTJ001


def test_a_random_password_result_in_the_environment_is_a_secret(tmp_path):
    """SPEC 9: a random_password result is always a secret, whatever the variable's name (HCL mode)."""
    root = tree(tmp_path)
    edit(root, ENV_FILE, '{ "name" : "ENVIRON", "value" : "stage" }', '{ "name" : "COOKIE_SALT_VALUE", "value" : random_password.cookie_key.result }')
    _, results, _ = check(root)
    hit = [r for r in by_rule(results, "CTJ031", "fail") if "COOKIE_SALT_VALUE" in r["message"]]
    assert hit and "random_password.cookie_key.result" in hit[0]["message"], by_rule(results, "CTJ031")
