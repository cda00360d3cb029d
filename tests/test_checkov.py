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
from ctj_policy.checkov.command import CHECKS_DIR, checkov_argv, scan_env
from ctj_policy.checkov.mapping import CHECK_MAP, CTJ_SERVICE_RULES, CTJ_TASK_RULES
from ctj_policy.checkov.verdict import resource_status
from ctj_policy.config import DEFAULT
from ctj_policy.engine import evaluate
from ctj_policy.model import FAIL, PASS, UNKNOWN
from ctj_policy.queries import ctj_service, ctj_task

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
VENV_PY = ROOT / ".venv-checkov" / "bin" / "python"


def _is_plan(path: Path) -> bool:
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and "format_version" in doc and ("planned_values" in doc or "resource_changes" in doc)


PLAN_FIXTURES = sorted(p for p in PLANS.glob("*.json") if _is_plan(p))
# Terraform root modules (incubator-stage1 is an overlay for the incubator tree, not a tree of its own)
HCL_TREES = sorted(p for p in TERRAFORM.iterdir() if p.is_dir() and any(p.glob("*.tf"))) if TERRAFORM.is_dir() else []

PY_SPECS = [s for s in CHECK_MAP if s.python]


def _need_checkov():
    require_tool(
        CHECKOV.is_file(),
        ".venv-checkov/bin/checkov is missing (scripts/test.sh installs requirements-checkov.txt into .venv-checkov)",
    )


_RUNS: dict = {}


def _checkov(where: list[str], framework: str) -> list[dict]:
    _need_checkov()
    args = [*where, "--framework", framework, "--check", "CKV_CTJ_*", "-o", "json"]
    argv = checkov_argv(str(CHECKOV), args)
    env = scan_env(args)  # offline, and CTJ_CHECKOV_TARGETS: the plans the checks read
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
    return bool(finding_address) and (
        finding_address == address or finding_address.startswith((address + ".", address + "["))
    )


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
    assert not problems, "Checkov/ctj-policy parity failures:\n" + "\n".join(
        problems + ["(undecided by Checkov:)"] + undecided
    )
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
        [sys.executable, "-m", "ctj_policy", "check", str(plan), "--format", "json"],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
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
        expected = {
            r.rule_id for r in evaluate(dep, DEFAULT).results if r.status == FAIL and r.title != "expired waiver"
        }
        if failing != expected:
            problems.append(f"{plan.name}: Checkov fails {sorted(failing)}, ctj-policy {sorted(expected)}")
    assert not problems, "\n".join(problems)


def test_address_less_findings_land_on_the_anchor():
    """ "no listener rule routes ..." (CTJ010) and "no repository ..." (CTJ004) have no address:
    Checkov reports them on the anchor, THE CTJ task definition, and on nothing else."""
    from ctj_policy.checkov.mapping import BY_RULE_ID
    from ctj_policy.checkov.plan import anchor, plan_evaluation

    for name, rule in (
        ("fail-ctj010-no-admin-rule.json", "CTJ010"),
        ("fail-ctj004-missing-backend-repo.json", "CTJ004"),
    ):
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
    from ctj_policy.checkov.mapping import BY_RULE_ID
    from ctj_policy.checkov.plan import PlanEvaluation, PlanFacts, anchor, plan_verdict
    from ctj_policy.model import Result

    svc = "module.civic-tech-jobs.aws_ecs_service.this"
    facts = PlanFacts("module.civic-tech-jobs", frozenset(), None, svc)
    lost = Result("CTJ010", "t", "error", FAIL, "no listener rule routes /api/*", None)
    evaluation = PlanEvaluation(facts, {"CTJ010": (lost,)}, ((svc, "aws_ecs_service"),), frozenset())
    assert anchor(BY_RULE_ID["CTJ010"], evaluation) == svc
    assert plan_verdict("CTJ010", svc, "aws_ecs_service", evaluation).status == FAIL
    none = PlanEvaluation(
        PlanFacts(facts.scope, frozenset(), None, None), {"CTJ010": (lost,)}, ((svc, "aws_ecs_service"),), frozenset()
    )
    assert anchor(BY_RULE_ID["CTJ010"], none) is None
    assert plan_verdict("CTJ010", svc, "aws_ecs_service", none).status == PASS


# the modules the checks load inside Checkov's environment (ctj_checks.py imports them)
IN_CHECKOV_ENV = [
    "ctj_policy.checkov.conf",
    "ctj_policy.checkov.mapping",
    "ctj_policy.checkov.verdict",
    "ctj_policy.checkov.targets",
    "ctj_policy.checkov.plan",
    "ctj_policy.checkov.hcl",
    "ctj_policy.checkov.adapter",
    "ctj_policy.config",
    "ctj_policy.model",
    "ctj_policy.rules",
]


def test_adapter_imports_with_standard_library_only_in_checkov_env():
    """In Checkov's venv (bc-python-hcl2, no python-hcl2) everything the checks import loads from
    the repository without any third-party module."""
    if not VENV_PY.is_file():
        _need_checkov()
    code = (
        "import importlib, sys; sys.path.insert(0, sys.argv[1]); before = set(sys.modules)\n"
        f"for m in {IN_CHECKOV_ENV!r}: importlib.import_module(m)\n"
        "new = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "std = set(sys.stdlib_module_names) | {'ctj_policy', '_distutils_hack'}\n"
        "bad = sorted(m for m in new if m not in std and not m.startswith('_'))\n"
        "print(','.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([str(VENV_PY), "-c", code, str(ROOT)], capture_output=True, timeout=60)
    assert proc.returncode == 0, (
        f"non-stdlib imports in Checkov's env: {proc.stdout.decode()} {proc.stderr.decode()[-1500:]}"
    )
    # and python-hcl2 is not (and must not be) installed there
    proc = subprocess.run(
        [str(VENV_PY), "-c", "import importlib.metadata as m; m.version('python-hcl2')"],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode != 0, "python-hcl2 is installed in .venv-checkov"


def test_conf_adapter_imports_nothing_above_the_loaders():
    """Checkov's conf -> model is a loader adapter over loaders.build: it may import the model, the
    configuration layer and the loaders, nothing that runs rules."""
    from test_architecture import imports_of, layer_of

    layers = {m: layer_of(m).name for m in imports_of("ctj_policy.checkov.conf")}
    assert "ctj_policy.loaders.build" in layers, layers  # the guard sees its imports
    assert set(layers.values()) <= {"base", "config", "loaders"}, layers


def test_configuration_error_is_said_once_and_exits_2(tmp_path):
    """A bad .ctj-policy.toml stops Checkov with exit 2 and says why (Checkov alone would print nothing)."""
    _need_checkov()
    (tmp_path / ".ctj-policy.toml").write_text('postgres-major = "eighteen"\n')
    args = [
        "-f",
        str(PLANS / "whole-account.json"),
        "--framework",
        "terraform_plan",
        "--check",
        "CKV_CTJ_003",
        "-o",
        "json",
    ]
    proc = subprocess.run(
        checkov_argv(str(CHECKOV), args), capture_output=True, cwd=tmp_path, env=scan_env(args), timeout=300
    )
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 2, err[-2000:]
    assert err.count("ctj-policy checks: configuration error:") == 1, err[-2000:]
    assert "postgres-major must be an integer" in err
    assert "Traceback" not in err


def test_a_plan_check_that_cannot_find_its_plan_stops_checkov(tmp_path):
    """Checkov names the scanned plan only relative to its root folder; when the run does not say
    what it scans (CTJ_CHECKOV_TARGETS), the checks stop Checkov with one line and exit 2 instead
    of reporting nothing (a clean pass).  With the targets the same run reports (the parity tests)."""
    from ctj_policy.checkov.command import offline_env
    from ctj_policy.checkov.targets import TARGETS_ENV

    _need_checkov()
    args = ["-f", str(PLANS / "legacy.json"), "--framework", "terraform_plan", "--check", "CKV_CTJ_003", "-o", "json"]
    env = offline_env()
    env.pop(TARGETS_ENV, None)
    proc = subprocess.run(checkov_argv(str(CHECKOV), args), capture_output=True, cwd=tmp_path, env=env, timeout=300)
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 2, err[-2000:]
    said = [line for line in err.splitlines() if line.startswith("ctj-policy checks:")]
    assert len(said) == 1 and "cannot tell which plan file Checkov is scanning ('/legacy.json')" in said[0], err[-2000:]
    assert TARGETS_ENV in said[0] and "Traceback" not in err


def test_scan_targets_reads_checkovs_file_and_directory_options():
    from ctj_policy.checkov.targets import scan_targets

    args = ["-f", "a.json", "b.json", "--framework", "terraform_plan", "-d", "dir", "positional", "--file=c.json",
            "-fd.json", "--directory=e", "--directory", "g", "-o", "json", "--check", "CKV_CTJ_*"]  # fmt: skip
    assert scan_targets(args) == ["a.json", "b.json", "dir", "c.json", "d.json", "e", "g"]
    assert scan_targets(["--list"]) == []


def test_locate_finds_the_one_plan_checkov_names(tmp_path):
    from ctj_policy.checkov.targets import locate
    from ctj_policy.checkov.verdict import ChecksError

    top, nested = tmp_path / "x" / "plan.json", tmp_path / "x" / "a" / "plan.json"
    nested.parent.mkdir(parents=True)
    for p in (top, nested):
        p.write_text("{}")
    both = (str(top), str(nested))  # -f x/plan.json x/a/plan.json: Checkov's root is x
    assert locate("/plan.json", both) == str(top.resolve())
    assert locate("/a/plan.json", both) == str(nested.resolve())
    assert locate("/plan.json", (str(nested),)) == str(nested.resolve())  # one -f: its own directory
    assert locate("/a/plan.json", (str(tmp_path / "x"),)) == str(nested.resolve())  # -d x
    with pytest.raises(ChecksError, match="CTJ_CHECKOV_TARGETS"):
        locate("/plan.json", None)
    with pytest.raises(ChecksError, match="none of the 2 path"):
        locate("/other.json", both)
    twin = tmp_path / "y" / "plan.json"
    twin.parent.mkdir()
    twin.write_text("{}")
    with pytest.raises(ChecksError, match="2 of the 2 path"):  # -d x -d y: /plan.json is in both
        locate("/plan.json", (str(top.parent), str(twin.parent)))


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
    assert picks_task == CTJ_TASK_RULES
    service_specs = {s.rule_id for s in CHECK_MAP if "aws_ecs_service" in s.resources}
    picks_service = {r for r in service_specs if re.search(r"\bctj_service\(", source(r))}
    assert picks_service == CTJ_SERVICE_RULES


def test_docs_table_is_generated_from_check_map():
    from ctj_policy.checkov.mapping import mapping_table_markdown

    docs = (ROOT / "docs" / "checkov.md").read_text(encoding="utf-8")
    assert mapping_table_markdown() in docs, "docs/checkov.md's mapping table is stale: paste mapping_table_markdown()"


def test_check_map_is_one_to_one_and_complete():
    from ctj_policy.rules import RULES_BY_ID

    # every rule but those that judge a deploy workflow (Checkov does not read workflows)
    assert sorted(s.rule_id for s in CHECK_MAP) == sorted(r for r in RULES_BY_ID if not RULES_BY_ID[r].needs_workflow)
    assert len({s.check_id for s in CHECK_MAP}) == len(CHECK_MAP)
    for s in CHECK_MAP:
        assert s.check_id == "CKV_CTJ_" + s.rule_id[3:]
        if s.yaml:
            assert (CHECKS_DIR / s.yaml).is_file(), s.yaml


THROWAWAY_RULE = """
from ..model import ERROR
from ..queries import ctj_task
from .base import CTJ_TASK, TASK, Rule
from .common import failed, passed


def check(deployment, config):
    task = ctj_task(deployment, config)
    yield failed("throwaway finding", task) if task is not None else passed("no task")


RULE = Rule(
    id="CTJ099", title="throwaway", severity=ERROR, summary="a throwaway rule", rationale="none",
    remediation="none", check=check, bad="# bad", good="# good", checkov_id="CKV_CTJ_099",
    resource_types=TASK, applies_to=CTJ_TASK,
)
"""


def _copy_package(dest: Path) -> Path:
    import shutil

    shutil.copytree(ROOT / "ctj_policy", dest / "ctj_policy", ignore=shutil.ignore_patterns("__pycache__"))
    return dest / "ctj_policy"


def test_a_new_rule_gets_its_checkov_check_with_no_edit_in_the_checkov_package(tmp_path):
    """Dropping rules/ctj099.py into (a copy of) the package is enough: CHECK_MAP, CTJ_TASK_RULES and the
    docs table derive it from the rule's metadata, and real Checkov, given the copy's packaged checks
    directory by the copy's `ctj-policy checkov`, runs CKV_CTJ_099 and fails it on THE CTJ task."""
    from ctj_policy.checkov.plan import plan_facts

    _need_checkov()
    package = _copy_package(tmp_path)
    (package / "rules" / "ctj099.py").write_text(THROWAWAY_RULE)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("CTJ_CHECKOV", None)
    code = (
        f"import ctj_policy.checkov.mapping as m; assert m.__file__.startswith({str(package)!r}), m.__file__; "
        "assert m.BY_CHECK_ID['CKV_CTJ_099'].resources == ('aws_ecs_task_definition',); "
        "assert 'CTJ099' in m.CTJ_TASK_RULES; "
        "assert '| CKV_CTJ_099 | CTJ099 | throwaway |' in m.mapping_table_markdown()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    plan = PLANS / "legacy.json"
    args = ["-f", str(plan), "--framework", "terraform_plan", "--check", "CKV_CTJ_099", "-o", "json"]
    proc = subprocess.run(
        [sys.executable, "-m", "ctj_policy", "checkov", "--checkov", str(CHECKOV), "--", *args],
        cwd=tmp_path, env=env, capture_output=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr.decode(errors="replace")[-2000:]
    records = _records(proc.stdout)
    assert {(r["check_id"], r["resource"], r["_status"]) for r in records} == {
        ("CKV_CTJ_099", plan_facts(str(plan)).ctj_task, "FAILED")
    }


def _records(stdout: bytes) -> list[dict]:
    doc = json.loads(stdout.decode()) if stdout.strip() else {}
    out = []
    for report in doc if isinstance(doc, list) else [doc]:
        for kind, status in (("passed_checks", "PASSED"), ("failed_checks", "FAILED")):
            out += [{**r, "_status": status} for r in report.get("results", {}).get(kind, [])]
    return out


# ---------------------------------------------------------------- `ctj-policy checkov`: finding Checkov


def test_cli_checkov_missing_is_one_line_exit_2():
    env = {**os.environ, "CTJ_CHECKOV": str(ROOT / "no-such-checkov")}
    proc = subprocess.run(
        [sys.executable, "-m", "ctj_policy", "checkov", "--", "-d", "."],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and "not found" in err and "Traceback" not in err


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_cli_checkov_never_runs_a_checkov_from_the_current_directory(tmp_path):
    """A checked-out repository can plant ./.venv-checkov/bin/checkov or ./checkov: neither runs, even
    with empty or relative PATH entries (which mean the current directory)."""
    from ctj_policy.checkov.command import find_checkov

    ran = tmp_path / "ran"
    for planted in (".venv-checkov/bin/checkov", "checkov", "bin/checkov"):
        _script(tmp_path / planted, f"echo {planted} >> '{ran}'\n")
    env = {k: v for k, v in os.environ.items() if k != "CTJ_CHECKOV"}
    env["PATH"] = os.pathsep.join(["", ".", "bin", str(tmp_path / "empty")])
    proc = subprocess.run(
        [sys.executable, "-m", "ctj_policy", "checkov", "--", "-f", "plan.json"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert not ran.exists(), f"ran a planted checkov: {ran.read_text()}"
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1 and "not found" in err, err
    # control: the same lookup finds a checkov in an absolute PATH directory
    real = _script(tmp_path / "tools" / "checkov", "exit 0\n")
    assert find_checkov(None, {"PATH": os.pathsep.join(["", ".", str(real.parent)])}) == str(real)
    assert find_checkov(None, {"PATH": os.pathsep.join(["", "."])}) is None


def test_cli_checkov_runs_the_packaged_checks_and_fails_when_checkov_loads_none(tmp_path):
    """The wrapper hands Checkov the checks shipped in the package and the scanned paths; a scan in which
    Checkov loaded no CTJ check (here a stand-in checkov that ignores them) is exit 2, not a clean pass."""
    seen = tmp_path / "seen"
    quiet = _script(tmp_path / "quiet" / "checkov", f'echo "$@" > "{seen}"; echo "$CTJ_CHECKOV_TARGETS" >> "{seen}"\n')
    plan = PLANS / "legacy.json"
    cmd = [sys.executable, "-m", "ctj_policy", "checkov", "--checkov", str(quiet), "--", "-f", str(plan)]
    proc = subprocess.run(cmd, capture_output=True, cwd=tmp_path, timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1 and "ran no CTJ check" in err, err
    argv, targets = seen.read_text().splitlines()
    assert f"--external-checks-dir {CHECKS_DIR}" in argv and "--skip-download" in argv and "--compact" in argv
    assert json.loads(targets) == [str(plan)]
    # control: a checkov that loads the checks (they append to CTJ_CHECKOV_LOADED) gets its exit code through
    loads = _script(tmp_path / "loads" / "checkov", 'echo "18 checks" >> "$CTJ_CHECKOV_LOADED"; exit 1\n')
    proc = subprocess.run([*cmd[:5], str(loads), *cmd[6:]], capture_output=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 1 and not proc.stderr, proc.stderr


def test_cli_checkov_one_liner_runs_ctj_checks():
    _need_checkov()
    target = PLAN_FIXTURES[0] if PLAN_FIXTURES else TERRAFORM / "stage1"
    args = (
        ["-f", str(target), "--framework", "terraform_plan"]
        if target.is_file()
        else ["-d", str(target), "--framework", "terraform"]
    )
    env = {**os.environ, "CTJ_CHECKOV": str(CHECKOV)}
    proc = subprocess.run(
        [sys.executable, "-m", "ctj_policy", "checkov", "--", *args, "--check", "CKV_CTJ_003", "-o", "json"],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")[-2000:]
    assert {r["check_id"] for r in _records(proc.stdout)} == {"CKV_CTJ_003"}


def test_print_checks_dir():
    proc = subprocess.run(
        [sys.executable, "-m", "ctj_policy", "checkov", "--print-checks-dir"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout == f"{CHECKS_DIR}\n"
    assert (CHECKS_DIR / "__init__.py").is_file() and (CHECKS_DIR / "ctj_checks.py").is_file()


# ---------------------------------------------------------------- a regular (non-editable) install


def _regular_install(tmp_path: Path) -> tuple[Path, Path]:
    """``pip install`` (not -e) of a copy of this checkout into a fresh venv, offline: no dependency is
    downloaded (--no-deps, --no-index, --no-build-isolation); the tool's dependencies come from this
    interpreter's site-packages through a .pth line (a .pth file's own .pth files, such as the editable
    install's, are not processed, so the checkout itself is not importable there)."""
    import shutil
    import sysconfig

    src = tmp_path / "src"
    _copy_package(src)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (purelib / "_ctj_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    proc = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-build-isolation", "--ignore-installed",
         "--disable-pip-version-check", str(src)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return venv, purelib / "ctj_policy"


def test_regular_install_runs_the_ctj_checks_or_fails_loudly(tmp_path):
    """Issue 11: from a regular `pip install .`, `ctj-policy checkov` on the legacy plan fails exactly the
    rules ctj-policy fails (not a clean pass); checks that cannot load, or are missing, are exit 2."""
    import importlib.util
    import shutil

    _need_checkov()
    require_tool(
        importlib.util.find_spec("wheel"),
        "wheel is missing (pip install -e '.[test]' installs it): pip needs it to build the install offline",
    )
    venv, installed = _regular_install(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    where = subprocess.check_output(
        [venv / "bin" / "python", "-c", "import ctj_policy; print(ctj_policy.__file__)"], cwd=work, text=True
    )
    assert where.strip() == str(installed / "__init__.py"), "the test must run the installed copy, not this checkout"
    assert (installed / "checkov" / "checks" / "ctj_checks.py").is_file()
    plan = PLANS / "legacy.json"
    cmd = [str(venv / "bin" / "ctj-policy"), "checkov", "--checkov", str(CHECKOV), "--",
           "-f", str(plan), "--framework", "terraform_plan", "--check", "CKV_CTJ_*", "-o", "json"]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("CTJ_CHECKOV", "PYTHONPATH")}
    proc = subprocess.run(cmd, capture_output=True, cwd=work, env=env, timeout=300)
    assert proc.returncode == 1, proc.stderr.decode(errors="replace")[-2000:]
    by_check = {s.check_id: s.rule_id for s in CHECK_MAP}
    failing = {by_check[r["check_id"]] for r in _records(proc.stdout) if r["_status"] == "FAILED"}
    assert failing and failing == _ctj_failing(plan)
    # checks that Checkov finds but cannot load (here: a module they import is broken): one line, exit 2
    mapping = installed / "checkov" / "mapping.py"
    mapping.write_text(mapping.read_text() + '\nraise RuntimeError("broken on purpose")\n')
    proc = subprocess.run(cmd, capture_output=True, cwd=work, env=env, timeout=300)
    err = proc.stderr.decode(errors="replace")
    said = [line for line in err.splitlines() if line.startswith("ctj-policy checks:")]
    assert proc.returncode == 2 and len(said) == 1 and "broken on purpose" in said[0], err[-2000:]
    # checks missing from the installation: one line, exit 2, Checkov not even started
    shutil.rmtree(installed / "checkov" / "checks")
    proc = subprocess.run(cmd, capture_output=True, cwd=work, env=env, timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1 and "the CTJ checks are missing" in err, err


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


def test_ctj031_sensitive_value_comes_from_the_plan_file(tmp_path):
    """CTJ031 fails on an env value the plan marks sensitive only because the adapter reads
    the plan file; a plan-mode check without its plan is an error (no guessing, no silent pass)."""
    from ctj_policy.checkov.adapter import check_resource
    from ctj_policy.checkov.plan import plan_facts
    from ctj_policy.checkov.verdict import ChecksError

    plan = PLANS / "fail-ctj031-sensitive-value.json"
    if not plan.is_file():
        pytest.fail(f"{plan} missing")
    facts = plan_facts(str(plan))
    conf = _conf_like_checkov(_planned(plan, facts.ctj_task))
    verdict = check_resource("CTJ031", conf, "aws_ecs_task_definition", scanned_file="/x.json", plan_path=str(plan))
    assert verdict.status == FAIL and "marked sensitive" in verdict.message
    assert not any(s in verdict.message for s in facts.sensitive if len(s) >= 4)
    with pytest.raises(ChecksError, match="was not located"):
        check_resource("CTJ031", conf, "aws_ecs_task_definition", scanned_file="/no-such-plan.json")
    with pytest.raises(ChecksError, match="cannot read the plan"):
        check_resource(
            "CTJ031", conf, "aws_ecs_task_definition", scanned_file="/x.json", plan_path=str(tmp_path / "gone.json")
        )
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(ChecksError, match="bad.json"):
        check_resource(
            "CTJ031", conf, "aws_ecs_task_definition", scanned_file="/bad.json", plan_path=str(tmp_path / "bad.json")
        )


def test_plan_facts_use_the_plan_loaders_scope_and_ctj_task():
    from ctj_policy.checkov.plan import plan_facts
    from ctj_policy.loaders.plan import load_plan

    for plan in PLAN_FIXTURES:
        facts = plan_facts(str(plan))
        dep, info = load_plan(str(plan), DEFAULT)
        task = ctj_task(dep, DEFAULT)
        assert facts.scope == info.scope, plan.name
        assert facts.ctj_task == (task.address if task else None), plan.name
        assert facts.sensitive <= dep.redact, plan.name


def test_verdict_messages_are_redacted():
    from ctj_policy.checkov.verdict import Verdict
    from ctj_policy.model import Finding

    v = Verdict(
        FAIL,
        [Finding(status=FAIL, message="value hunter2-long-secret leaked", address="a.b")],
        secrets=frozenset({"hunter2-long-secret"}),
    )
    assert "hunter2-long-secret" not in v.message and "(redacted)" in v.message


# ---------------------------------------------------------------- the one-liner prints no secrets


def test_checkov_argv_adds_compact_and_the_packaged_checks():
    argv = checkov_argv("checkov", ["-f", "p.json"])
    assert argv.count("--compact") == 1 and argv[argv.index("--external-checks-dir") + 1] == str(CHECKS_DIR)
    assert checkov_argv("checkov", ["-f", "p.json", "--compact"]).count("--compact") == 1
    assert "--compact" not in checkov_argv("checkov", ["-f", "p.json"], compact=False)
    # the user's own checks directory is kept, and the CTJ one still added (once)
    mine = checkov_argv("checkov", ["-f", "p.json", "--external-checks-dir", "my-checks"])
    assert mine.count("--external-checks-dir") == 2 and "my-checks" in mine and str(CHECKS_DIR) in mine
    assert checkov_argv("checkov", ["--external-checks-dir", str(CHECKS_DIR)]).count("--external-checks-dir") == 1


def _leaked(plan: Path, text: str) -> int:
    """How many of the plan's sensitive strings appear in ``text`` (never the strings themselves)."""
    from ctj_policy.checkov.plan import plan_facts

    return sum(1 for s in plan_facts(str(plan)).sensitive if len(s) >= 6 and s in text)


def test_cli_checkov_one_liner_prints_no_sensitive_value():
    """Checkov prints a failing resource's code block (a task definition's env values):
    the one-liner passes --compact, so the value the plan marks sensitive is not printed
    while the CTJ031 failure still is; --show-code (the control) prints it."""
    _need_checkov()
    plan = PLANS / "fail-ctj031-sensitive-value.json"
    if not plan.is_file():
        pytest.fail(f"{plan} missing")
    env = {**os.environ, "CTJ_CHECKOV": str(CHECKOV)}
    base = [sys.executable, "-m", "ctj_policy", "checkov"]
    args = ["--", "-f", str(plan), "--framework", "terraform_plan", "--check", "CKV_CTJ_031"]
    proc = subprocess.run([*base, *args], capture_output=True, env=env, cwd=ROOT, timeout=300)
    out = proc.stdout.decode(errors="replace") + proc.stderr.decode(errors="replace")
    assert proc.returncode == 1, out[-2000:]
    assert "CKV_CTJ_031" in out and "FAILED for resource" in out
    assert _leaked(plan, out) == 0, "the one-liner printed a value the plan marks sensitive"
    control = subprocess.run([*base, "--show-code", *args], capture_output=True, env=env, cwd=ROOT, timeout=300)
    assert _leaked(plan, control.stdout.decode(errors="replace")) > 0, (
        "control: without --compact Checkov prints the code block"
    )
