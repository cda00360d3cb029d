"""Checkov parity: the CKV_CTJ_* checks, run by REAL Checkov from .venv-checkov,
agree with ctj-policy on every plan fixture and every HCL fixture tree.

Per covered rule and per in-scope resource of a type the check is registered
for, ctj-policy's verdict on the resource (fail/unknown when a finding about
it says so, else pass) must equal Checkov's: PASSED <-> pass, FAILED <->
fail, not reported (Checkov UNKNOWN) <-> unknown.  Resources outside the CTJ
scope must not be reported at all.

HCL mode: Checkov's own HCL evaluator leaves some expressions unevaluated
(locals passed into a module inside a list of objects, ``dynamic`` block
iterators); a check then reports nothing (UNKNOWN) where ctj-policy, whose
evaluator resolves them, decides.  That is the one accepted difference,
listed per resource in the failure message when anything else differs, and
bounded: every HCL tree must still have decided Checkov results, and a
Checkov verdict is never allowed to contradict ctj-policy's.

Checkov missing: skipped with the reason, unless CTJ_REQUIRE_TOOLS=1 (.ci/run; then it fails).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PLANS, ROOT, TERRAFORM, require_tool

from ctj_policy.checkov_cmd import checkov_argv, offline_env
from ctj_policy.config import DEFAULT
from ctj_policy.engine import evaluate
from ctj_policy.loaders.checkov_conf import CHECK_MAP, CTJ_SERVICE_RULES, CTJ_TASK_RULES, resource_status
from ctj_policy.queries import ctj_service, ctj_task
from ctj_policy.model import FAIL, PASS, UNKNOWN

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
VENV_PY = ROOT / ".venv-checkov" / "bin" / "python"
POLICIES = ROOT / "policies"

def _is_plan(path: Path) -> bool:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and "format_version" in doc and ("planned_values" in doc or "resource_changes" in doc)


PLAN_FIXTURES = sorted(p for p in PLANS.glob("*.json") if _is_plan(p))
HCL_TREES = sorted(p for p in TERRAFORM.iterdir() if p.is_dir()) if TERRAFORM.is_dir() else []

PY_SPECS = [s for s in CHECK_MAP if s.python]


def _need_checkov():
    require_tool(CHECKOV.is_file(), ".venv-checkov/bin/checkov is missing (scripts/test.sh installs requirements-checkov.txt into .venv-checkov)")


_RUNS: dict = {}


def _checkov(where: list[str], framework: str) -> list[dict]:
    _need_checkov()
    argv = checkov_argv(str(CHECKOV), [*where, "--framework", framework, "--check", "CKV_CTJ_*", "-o", "json"], POLICIES)
    env = offline_env()
    env["CTJ_POLICY_PATH"] = str(ROOT)
    env.pop("CTJ_POLICY_SCOPE", None)
    proc = subprocess.run(argv, capture_output=True, cwd=ROOT, env=env, timeout=300)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode in (0, 1), f"checkov exited {proc.returncode}: {err[-2000:]}"
    assert "Traceback" not in err, err[-3000:]
    text = proc.stdout.decode()
    doc = json.loads(text) if text.strip() else {}
    records = []
    for report in doc if isinstance(doc, list) else [doc]:
        if not isinstance(report, dict) or "results" not in report:
            continue
        for kind, status in (("passed_checks", "PASSED"), ("failed_checks", "FAILED")):
            for rec in report["results"].get(kind, []):
                records.append({**rec, "_status": status})
    return records


def _collect(records: list[dict]) -> dict:
    out: dict = {}
    for rec in records:
        k = (rec["check_id"], rec.get("resource"))
        assert k not in out or out[k] == rec["_status"], f"Checkov reported {k} twice with different results"
        out[k] = rec["_status"]
    return out


def run_checkov(target: Path, framework: str) -> dict:
    """Checkov's verdicts {(check_id, address): 'PASSED'|'FAILED'} for one fixture.

    All plan fixtures go through ONE Checkov run (``-f a.json -f b.json ...``),
    each HCL tree through one; results are cached for the module.
    """
    key = (str(target), framework)
    if key in _RUNS:
        if isinstance(_RUNS[key], BaseException):  # a failed run is not repeated (each costs minutes)
            raise AssertionError(f"Checkov failed on {key}: {_RUNS[key]}")
        return _RUNS[key]
    try:
        return _run_checkov(target, framework, key)
    except (AssertionError, subprocess.TimeoutExpired, ValueError) as exc:
        if framework == "terraform_plan":
            for plan in PLAN_FIXTURES:
                _RUNS.setdefault((str(plan), framework), exc)
        _RUNS.setdefault(key, exc)
        raise


def _run_checkov(target: Path, framework: str, key: tuple) -> dict:
    if framework == "terraform_plan":
        where = []
        for plan in PLAN_FIXTURES:
            where += ["-f", str(plan)]
        by_file: dict = {str(p.resolve()): [] for p in PLAN_FIXTURES}
        for rec in _checkov(where, framework):
            path = str(Path(rec.get("file_abs_path") or rec.get("file_path")).resolve())
            assert path in by_file, f"Checkov reported a result for unexpected file {path}"
            by_file[path].append(rec)
        for plan in PLAN_FIXTURES:
            _RUNS[(str(plan), framework)] = _collect(by_file[str(plan.resolve())])
        if key not in _RUNS:  # a plan outside the fixture set
            _RUNS[key] = _collect(_checkov(["-f", str(target)], framework))
    else:
        _RUNS[key] = _collect(_checkov(["-d", str(target)], framework))
    return _RUNS[key]


def _under(address: str, scope: str) -> bool:
    return not scope or address.startswith(scope + ".") or address.startswith(scope + "[")


def _resource_address(res) -> str:
    # security-group ingress blocks are model objects "sg.ingress[0]"; Checkov reports the group
    if res.type == "aws_security_group" and ".ingress" in res.address:
        return res.address.split(".ingress", 1)[0]
    return res.address


def checkov_name(address: str) -> str:
    """Checkov's report names data sources without ``data.`` (module.m.aws_db_instance.x)."""
    return re.sub(r"(^|\.)data\.", r"\1", address)


def ctj_verdicts(loaded, checkov_addresses: set[str], plan: Path | None = None) -> dict:
    """ctj-policy's per-resource verdicts {(check_id, address): pass|fail|unknown}.

    The container rules judge only THE CTJ task (``ctj_task``) and CTJ026 only
    the service running it (``ctj_service``): another task definition or
    service in scope gets no verdict from them, so Checkov must not report it
    (``unknown`` here).

    Plan mode (``plan`` given): every type a check is registered for, as the
    plan's planned_values list them (what Checkov hands a check); a rule's
    findings about no such resource (no address, a module call, a data source)
    count on the anchor: THE CTJ task when the check is registered for task
    definitions, else the CTJ service.  HCL mode: the per-resource types only
    (``hcl_resources``), no anchor.
    """
    dep, info = loaded
    evaluation = evaluate(dep, DEFAULT, today=None)
    task = ctj_task(dep, DEFAULT)
    service = ctj_service(dep, DEFAULT, task) if task is not None else None
    task_address = task.address if task is not None else None
    service_address = getattr(service, "address", None)
    subjects = {
        "aws_ecs_task_definition": (CTJ_TASK_RULES, task_address),
        "aws_ecs_service": (CTJ_SERVICE_RULES, service_address),
    }
    types_of = {_resource_address(r): r.type for r in dep.all_resources()}
    by_rule: dict = {}
    for r in evaluation.results:
        if r.title != "expired waiver":
            by_rule.setdefault(r.rule_id, []).append(r)
    planned = _planned_managed(plan) if plan is not None else None
    if planned is not None:
        types_of.update(planned)
    out = {}
    for spec in PY_SPECS:
        if planned is not None:
            addresses = {a for a, t in planned.items() if _registered(t, spec.resources) and _under(a, info.scope)}
        else:
            types = [*spec.hcl_resources, *spec.data]
            addresses = set()
            for res in dep.all_resources():
                if res.type == "module" or not any(fnmatch.fnmatchcase(res.type, t) for t in types):
                    continue
                if getattr(res, "kind", "resource") == "data" and not spec.data:
                    continue
                addresses.add(_resource_address(res))
        results = by_rule.get(spec.rule_id, [])
        anchored = None
        if planned is not None:
            anchored = next((a for a in (task_address, service_address) if a in addresses), None)
            orphans = [r for r in results if not any(_about(r.address, a) for a in addresses)]
        # Checkov's name -> the model's address (a data source loses "data." in Checkov's report)
        by_name = {checkov_name(a): a for a in addresses}
        assert len(by_name) == len(addresses), f"two model addresses share a Checkov name: {sorted(addresses)}"
        # resources the model keeps no object for (a security group without ingress) still pass
        for cid, name in checkov_addresses:
            if cid == spec.check_id and name not in by_name:
                by_name[name] = name
        for name, address in by_name.items():
            if not _under(address, info.scope):
                continue
            rules, subject = subjects.get(types_of.get(address, ""), ((), None))
            if spec.rule_id in rules and address != subject:
                assert resource_status(results, address) == PASS  # no finding about it
                out[(spec.check_id, name)] = UNKNOWN
                continue
            mine = [r for r in results if _about(r.address, address)]
            if address == anchored:
                mine += orphans
            out[(spec.check_id, name)] = _status(mine)
    return out


def _registered(rtype: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(rtype, t) for t in patterns)


def _about(finding_address, address: str) -> bool:
    return bool(finding_address) and (finding_address == address or finding_address.startswith((address + ".", address + "[")))


def _status(results) -> str:
    statuses = {r.status for r in results}
    return FAIL if FAIL in statuses else UNKNOWN if UNKNOWN in statuses else PASS


def _planned_managed(plan: Path) -> dict:
    """{address: type} of the managed resources in the plan's planned_values: what Checkov's plan runner scans."""
    doc = json.loads(plan.read_text(encoding="utf-8-sig"))
    out: dict = {}
    stack = [(doc.get("planned_values") or {}).get("root_module") or {}]
    while stack:
        m = stack.pop()
        for r in m.get("resources") or []:
            if r.get("mode", "managed") == "managed" and isinstance(r.get("address"), str):
                out[r["address"]] = r.get("type")
        stack.extend(m.get("child_modules") or [])
    return out


def compare(checkov: dict, ctj: dict, scope: str, *, hcl: bool) -> tuple[list[str], list[str]]:
    problems, undecided = [], []
    for key, status in sorted(checkov.items()):
        if not _under(key[1], scope):
            problems.append(f"{key}: Checkov reported {status} for a resource outside the CTJ scope {scope!r}")
    for key, verdict in sorted(ctj.items()):
        got = checkov.get(key)
        want = {PASS: "PASSED", FAIL: "FAILED", UNKNOWN: None}[verdict]
        if got == want:
            continue
        if hcl and got is None:
            undecided.append(f"{key}: ctj-policy {verdict}, Checkov left it undecided")
            continue
        problems.append(f"{key}: ctj-policy {verdict}, Checkov {got or 'not reported (UNKNOWN)'}")
    return problems, undecided


@pytest.mark.parametrize("plan", PLAN_FIXTURES, ids=[p.name for p in PLAN_FIXTURES])
def test_plan_parity(plan):
    from ctj_policy.loaders.plan import load_plan

    checkov = run_checkov(plan, "terraform_plan")
    loaded = load_plan(str(plan), DEFAULT)
    # Checkov's plan parser hands checks only planned_values' managed resources; findings
    # about data sources (read at plan time) and module calls count on the anchor
    ctj = ctj_verdicts(loaded, set(checkov), plan)
    problems, _ = compare(checkov, ctj, loaded.info.scope, hcl=False)
    assert not problems, "Checkov/ctj-policy parity failures:\n" + "\n".join(problems)
    assert ctj, "no covered resource in scope: the parity test would prove nothing"


@pytest.mark.parametrize("tree", HCL_TREES, ids=[p.name for p in HCL_TREES])
def test_hcl_parity(tree):
    from ctj_policy.loaders.hcl import load_hcl

    checkov = run_checkov(tree, "terraform")
    loaded = load_hcl(tree, DEFAULT)
    ctj = ctj_verdicts(loaded, set(checkov))
    problems, undecided = compare(checkov, ctj, loaded.info.scope, hcl=True)
    assert not problems, "Checkov/ctj-policy parity failures:\n" + "\n".join(problems + ["(undecided by Checkov:)"] + undecided)
    decided = [k for k in ctj if k in checkov]
    assert decided, f"Checkov decided nothing on {tree.name}: " + "; ".join(undecided)


def test_every_fixture_is_covered():
    assert HCL_TREES, "no HCL fixture trees under fixtures/terraform"
    if (ROOT / "fixtures" / "build_plans.py").is_file():
        assert PLAN_FIXTURES, "fixtures/build_plans.py exists but fixtures/plans/*.json is empty: run it"


def test_root_rds_of_whole_account_plan_is_not_flagged():
    """The shared root aws_db_instance.default is never a CTJ finding (scope by address)."""
    tree = TERRAFORM / "stage1"
    if not tree.is_dir():
        pytest.fail("fixtures/terraform/stage1 not present")
    checkov = run_checkov(tree, "terraform")
    assert not [k for k in checkov if k[1] == "aws_db_instance.default"]
    for plan in PLAN_FIXTURES:
        checkov = run_checkov(plan, "terraform_plan")
        assert not [k for k in checkov if k[1] == "aws_db_instance.default"], plan.name


def _ctj_failing(plan: Path) -> set[str]:
    """The rule IDs ``python3 -m ctj_policy check PLAN --format json`` reports failing."""
    proc = subprocess.run(
        [sys.executable, "-m", "ctj_policy", "check", str(plan), "--format", "json"], capture_output=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")[-2000:]
    doc = json.loads(proc.stdout.decode())
    return {r["rule_id"] for r in doc["results"] if r["status"] == "fail" and r.get("title") != "expired waiver"}


def test_done_when_legacy_plan_fails_the_same_rules():
    """Issue 5's done-when, exactly: on legacy.json the failing CKV_CTJ_* checks, mapped to
    CTJ IDs, are the rules ``ctj-policy check --format json`` fails (CTJ004/010/011 included)."""
    plan = PLANS / "legacy.json"
    if not plan.is_file():
        pytest.fail("fixtures/plans/legacy.json missing")
    by_check = {s.check_id: s.rule_id for s in CHECK_MAP}
    checkov = run_checkov(plan, "terraform_plan")
    failing = {by_check[cid] for (cid, _a), st in checkov.items() if st == "FAILED"}
    expected = _ctj_failing(plan)
    assert {"CTJ001", "CTJ004", "CTJ010", "CTJ011"} <= expected
    assert failing == expected, f"Checkov fails {sorted(failing)}, ctj-policy {sorted(expected)}"


def test_failing_rules_match_on_plans():
    """The done-when on every plan fixture: Checkov's failing CKV_CTJ IDs are the CTJ rules
    ctj-policy fails on the whole plan (engine results, not only per-resource verdicts)."""
    from ctj_policy.loaders.plan import load_plan

    if not PLAN_FIXTURES:
        pytest.fail("no plan fixtures in fixtures/plans")
    by_check = {s.check_id: s.rule_id for s in CHECK_MAP}
    problems = []
    for plan in PLAN_FIXTURES:
        checkov = run_checkov(plan, "terraform_plan")
        failing = {by_check[cid] for (cid, _a), st in checkov.items() if st == "FAILED"}
        dep, _info = load_plan(str(plan), DEFAULT)
        expected = {r.rule_id for r in evaluate(dep, DEFAULT).results if r.status == FAIL and r.title != "expired waiver"}
        if failing != expected:
            problems.append(f"{plan.name}: Checkov fails {sorted(failing)}, ctj-policy {sorted(expected)}")
    assert not problems, "\n".join(problems)


def test_address_less_findings_land_on_the_anchor():
    """"no listener rule routes ..." (CTJ010) and "no repository ..." (CTJ004) have no address:
    Checkov reports them on the anchor, THE CTJ task definition, and on nothing else."""
    from ctj_policy.loaders.checkov_conf import BY_RULE_ID, anchor, plan_evaluation

    for name, rule in (("fail-ctj010-no-admin-rule.json", "CTJ010"), ("fail-ctj004-missing-backend-repo.json", "CTJ004")):
        plan = PLANS / name
        if not plan.is_file():
            continue
        evaluation = plan_evaluation(str(plan))
        assert any(r.address is None and r.status == FAIL for r in evaluation.results[rule]), name
        spec = BY_RULE_ID[rule]
        assert evaluation.facts.ctj_task is not None and anchor(spec, evaluation) == evaluation.facts.ctj_task
        checkov = run_checkov(plan, "terraform_plan")
        failed = {a for (cid, a), st in checkov.items() if cid == spec.check_id and st == "FAILED"}
        assert failed == {evaluation.facts.ctj_task}, (name, failed)


def test_anchor_falls_back_to_the_ctj_service():
    """Without a CTJ task definition, address-less findings land on the CTJ service."""
    from ctj_policy.loaders.checkov_conf import BY_RULE_ID, PlanEvaluation, PlanFacts, anchor, plan_verdict
    from ctj_policy.model import Result

    svc = "module.civic-tech-jobs.aws_ecs_service.this"
    facts = PlanFacts("module.civic-tech-jobs", frozenset(), None, svc)
    lost = Result("CTJ010", "t", "error", FAIL, "no listener rule routes /api/*", None)
    evaluation = PlanEvaluation(facts, {"CTJ010": (lost,)}, ((svc, "aws_ecs_service"),), frozenset())
    assert anchor(BY_RULE_ID["CTJ010"], evaluation) == svc
    assert plan_verdict("CTJ010", svc, "aws_ecs_service", evaluation).status == FAIL
    none = PlanEvaluation(PlanFacts(facts.scope, frozenset(), None, None), {"CTJ010": (lost,)}, ((svc, "aws_ecs_service"),), frozenset())
    assert anchor(BY_RULE_ID["CTJ010"], none) is None
    assert plan_verdict("CTJ010", svc, "aws_ecs_service", none).status == PASS


def test_adapter_imports_with_standard_library_only_in_checkov_env():
    """In Checkov's venv (bc-python-hcl2, no python-hcl2) the model, config, rules and
    the conf adapter import from the repository without any third-party module."""
    if not VENV_PY.is_file():
        _need_checkov()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); before = set(sys.modules)\n"
        "import ctj_policy, ctj_policy.model, ctj_policy.config, ctj_policy.rules, ctj_policy.engine, ctj_policy.redact\n"
        "import ctj_policy.loaders.checkov_conf\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "std = set(sys.stdlib_module_names) | {'ctj_policy', '_distutils_hack'}\n"
        "bad = sorted(m for m in new if m not in std and not m.startswith('_'))\n"
        "print(','.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([str(VENV_PY), "-c", code, str(ROOT)], capture_output=True, timeout=60)
    assert proc.returncode == 0, f"non-stdlib imports in Checkov's env: {proc.stdout.decode()} {proc.stderr.decode()[-1500:]}"
    # and python-hcl2 is not (and must not be) installed there
    proc = subprocess.run([str(VENV_PY), "-c", "import importlib.metadata as m; m.version('python-hcl2')"], capture_output=True, timeout=60)
    assert proc.returncode != 0, "python-hcl2 is installed in .venv-checkov"


def test_policies_load_ctj_policy_via_env_path(tmp_path):
    """policies/ copied elsewhere finds ctj_policy through CTJ_POLICY_PATH."""
    _need_checkov()
    import shutil

    pol = tmp_path / "pol"
    shutil.copytree(POLICIES, pol)
    plan = PLAN_FIXTURES[0] if PLAN_FIXTURES else None
    target = plan or (TERRAFORM / "stage1")
    framework = "terraform_plan" if plan else "terraform"
    where = ["-f", str(target)] if target.is_file() else ["-d", str(target)]
    env = offline_env()
    env["CTJ_POLICY_PATH"] = str(ROOT)
    argv = checkov_argv(str(CHECKOV), [*where, "--framework", framework, "--check", "CKV_CTJ_003", "-o", "json"], pol)
    proc = subprocess.run(argv, capture_output=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")[-2000:]
    doc = json.loads(proc.stdout.decode())
    reports = doc if isinstance(doc, list) else [doc]
    ids = {r["check_id"] for rep in reports for k in ("passed_checks", "failed_checks") for r in rep.get("results", {}).get(k, [])}
    assert ids == {"CKV_CTJ_003"}


def test_configuration_error_is_said_once_and_exits_2(tmp_path):
    """A bad .ctj-policy.toml stops Checkov with exit 2 and says why (Checkov alone would print nothing)."""
    _need_checkov()
    (tmp_path / ".ctj-policy.toml").write_text('postgres-major = "eighteen"\n')
    env = offline_env()
    env["CTJ_POLICY_PATH"] = str(ROOT)
    argv = checkov_argv(str(CHECKOV), ["-f", str(PLANS / "whole-account.json"), "--framework", "terraform_plan",
                                       "--check", "CKV_CTJ_003", "-o", "json"], POLICIES)
    proc = subprocess.run(argv, capture_output=True, cwd=tmp_path, env=env, timeout=300)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 2, err[-2000:]
    assert err.count("ctj-policy checks: configuration error:") == 1, err[-2000:]
    assert "postgres-major must be an integer" in err
    assert "Traceback" not in err


def test_ctj_task_rules_are_the_rules_that_judge_the_ctj_task_only():
    """CTJ_TASK_RULES/CTJ_SERVICE_RULES (what a check on another task/service leaves
    unreported) are exactly the task/service-registered rules whose code picks the
    CTJ task (ctj_task/role_scope) or its service (ctj_service)."""
    import inspect

    from ctj_policy.rules import RULES_BY_ID

    def source(rule_id):
        return inspect.getsource(inspect.getmodule(RULES_BY_ID[rule_id].check))

    task_specs = {s.rule_id for s in CHECK_MAP if "aws_ecs_task_definition" in s.resources}
    picks_task = {r for r in task_specs if re.search(r"\b(ctj_task|role_scope)\(", source(r))}
    assert CTJ_TASK_RULES == picks_task
    service_specs = {s.rule_id for s in CHECK_MAP if "aws_ecs_service" in s.resources}
    picks_service = {r for r in service_specs if re.search(r"\bctj_service\(", source(r))}
    assert CTJ_SERVICE_RULES == picks_service


def test_docs_table_is_generated_from_check_map():
    from ctj_policy.loaders.checkov_conf import mapping_table_markdown

    docs = (ROOT / "docs" / "checkov.md").read_text(encoding="utf-8")
    assert mapping_table_markdown() in docs, "docs/checkov.md's mapping table is stale: paste mapping_table_markdown()"


def test_check_map_is_one_to_one_and_complete():
    from ctj_policy.rules import RULES_BY_ID

    assert sorted(s.rule_id for s in CHECK_MAP) == sorted(RULES_BY_ID)
    assert len({s.check_id for s in CHECK_MAP}) == len(CHECK_MAP)
    for s in CHECK_MAP:
        assert s.check_id == "CKV_CTJ_" + s.rule_id[3:]
        if s.yaml:
            assert (POLICIES / s.yaml).is_file(), s.yaml


def test_cli_checkov_missing_is_one_line_exit_2():
    env = {**os.environ, "CTJ_CHECKOV": str(ROOT / "no-such-checkov")}
    proc = subprocess.run([sys.executable, "-m", "ctj_policy", "checkov", "--", "-d", "."], capture_output=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "not found" in err and "Traceback" not in err


def test_cli_checkov_one_liner_runs_ctj_checks():
    _need_checkov()
    target = PLAN_FIXTURES[0] if PLAN_FIXTURES else TERRAFORM / "stage1"
    args = ["-f", str(target), "--framework", "terraform_plan"] if target.is_file() else ["-d", str(target), "--framework", "terraform"]
    env = {k: v for k, v in os.environ.items() if k != "CTJ_CHECKOV"}
    proc = subprocess.run(
        [sys.executable, "-m", "ctj_policy", "checkov", "--", *args, "--check", "CKV_CTJ_003", "-o", "json"],
        capture_output=True, env=env, cwd=ROOT, timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")[-2000:]
    doc = json.loads(proc.stdout.decode())
    reports = doc if isinstance(doc, list) else [doc]
    ids = {r["check_id"] for rep in reports for k in ("passed_checks", "failed_checks") for r in rep.get("results", {}).get(k, [])}
    assert ids == {"CKV_CTJ_003"}


# ---------------------------------------------------------------- the adapter without Checkov


def _planned(plan: Path, address: str) -> dict:
    doc = json.loads(plan.read_text(encoding="utf-8"))
    stack = [doc["planned_values"]["root_module"]]
    while stack:
        m = stack.pop()
        for r in m.get("resources") or []:
            if r.get("address") == address:
                return r
        stack.extend(m.get("child_modules") or [])
    raise AssertionError(f"no {address} in {plan.name}")


def _conf_like_checkov(res: dict) -> dict:
    """planned_values -> the shape Checkov's plan parser hands a check (values list-wrapped)."""
    conf = {}
    for key, value in res["values"].items():
        if key == "container_definitions" and isinstance(value, str):
            value = json.loads(value)
        conf[key] = [value]
    conf["__address__"] = res["address"]
    return conf


def test_ctj031_sensitive_value_comes_from_the_plan_file():
    """CTJ031 fails on an env value the plan marks sensitive only because the adapter reads
    the plan file: the same conf without the plan is not judged (no guessing)."""
    from ctj_policy.loaders.checkov_conf import check_resource, plan_facts

    plan = PLANS / "fail-ctj031-sensitive-value.json"
    if not plan.is_file():
        pytest.fail(f"{plan} missing")
    facts = plan_facts(str(plan))
    conf = _conf_like_checkov(_planned(plan, facts.ctj_task))
    verdict = check_resource("CTJ031", conf, "aws_ecs_task_definition", scanned_file="/x.json", plan_path=str(plan))
    assert verdict.status == FAIL and "marked sensitive" in verdict.message
    assert not any(s in verdict.message for s in facts.sensitive if len(s) >= 4)
    missing = check_resource("CTJ031", conf, "aws_ecs_task_definition", scanned_file="/no-such-plan.json")
    assert missing.status == UNKNOWN and "not found" in missing.reason


def test_plan_facts_use_the_plan_loaders_scope_and_ctj_task():
    from ctj_policy.loaders.checkov_conf import plan_facts
    from ctj_policy.loaders.plan import load_plan

    for plan in PLAN_FIXTURES:
        facts = plan_facts(str(plan))
        dep, info = load_plan(str(plan), DEFAULT)
        task = ctj_task(dep, DEFAULT)
        assert facts.scope == info.scope, plan.name
        assert facts.ctj_task == (task.address if task else None), plan.name
        assert facts.sensitive <= dep.redact, plan.name


def test_verdict_messages_are_redacted():
    from ctj_policy.loaders.checkov_conf import Verdict
    from ctj_policy.model import Finding

    v = Verdict(FAIL, [Finding(status=FAIL, message="value hunter2-long-secret leaked", address="a.b")], secrets=frozenset({"hunter2-long-secret"}))
    assert "hunter2-long-secret" not in v.message and "(redacted)" in v.message


# ---------------------------------------------------------------- the one-liner prints no secrets


def test_checkov_argv_adds_compact_by_default():
    argv = checkov_argv("checkov", ["-f", "p.json"], POLICIES)
    assert argv.count("--compact") == 1
    assert checkov_argv("checkov", ["-f", "p.json", "--compact"], POLICIES).count("--compact") == 1
    assert "--compact" not in checkov_argv("checkov", ["-f", "p.json"], POLICIES, compact=False)


def _leaked(plan: Path, text: str) -> int:
    """How many of the plan's sensitive strings appear in ``text`` (never the strings themselves)."""
    from ctj_policy.loaders.checkov_conf import plan_facts

    return sum(1 for s in plan_facts(str(plan)).sensitive if len(s) >= 6 and s in text)


def test_cli_checkov_one_liner_prints_no_sensitive_value():
    """Checkov prints a failing resource's code block (a task definition's env values):
    the one-liner passes --compact, so the value the plan marks sensitive is not printed
    while the CTJ031 failure still is; --show-code (the control) prints it."""
    _need_checkov()
    plan = PLANS / "fail-ctj031-sensitive-value.json"
    if not plan.is_file():
        pytest.fail(f"{plan} missing")
    env = {k: v for k, v in os.environ.items() if k != "CTJ_CHECKOV"}
    base = [sys.executable, "-m", "ctj_policy", "checkov"]
    args = ["--", "-f", str(plan), "--framework", "terraform_plan", "--check", "CKV_CTJ_031"]
    proc = subprocess.run([*base, *args], capture_output=True, env=env, cwd=ROOT, timeout=300)
    out = proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")
    assert proc.returncode == 1, out[-2000:]
    assert "CKV_CTJ_031" in out and "FAILED for resource" in out
    assert _leaked(plan, out) == 0, "the one-liner printed a value the plan marks sensitive"
    control = subprocess.run([*base, "--show-code", *args], capture_output=True, env=env, cwd=ROOT, timeout=300)
    assert _leaked(plan, control.stdout.decode(errors="replace")) > 0, "control: without --compact Checkov prints the code block"
