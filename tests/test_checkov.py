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

Checkov missing: skipped with the reason, unless CI is set (then it fails).
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

from conftest import PLANS, ROOT, TERRAFORM

from ctj_policy.checkov_cmd import checkov_argv, offline_env
from ctj_policy.config import DEFAULT
from ctj_policy.engine import evaluate
from ctj_policy.loaders.checkov_conf import CHECK_MAP, resource_status
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
    if not CHECKOV.is_file():
        reason = ".venv-checkov/bin/checkov is missing (scripts/test.sh installs requirements-checkov.txt into .venv-checkov)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


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
        return _RUNS[key]
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


def ctj_verdicts(loaded, checkov_addresses: set[str]) -> dict:
    """ctj-policy's per-resource verdicts {(check_id, address): pass|fail|unknown}."""
    dep, info = loaded
    evaluation = evaluate(dep, DEFAULT, today=None)
    by_rule: dict = {}
    for r in evaluation.results:
        by_rule.setdefault(r.rule_id, []).append(r)
    out = {}
    for spec in PY_SPECS:
        types = [*spec.resources, *spec.data]
        addresses = set()
        for res in dep.all_resources():
            if res.type == "module" or not any(fnmatch.fnmatchcase(res.type, t) for t in types):
                continue
            if getattr(res, "kind", "resource") == "data" and not spec.data:
                continue
            addresses.add(_resource_address(res))
        # resources the model keeps no object for (a security group without ingress) still pass
        addresses |= {a for (cid, a) in checkov_addresses if cid == spec.check_id}
        for address in addresses:
            if not _under(address, info.scope):
                continue
            out[(spec.check_id, checkov_name(address))] = resource_status(by_rule.get(spec.rule_id, []), address)
    return out


def _planned_addresses(plan: Path) -> set[str]:
    doc = json.loads(plan.read_text(encoding="utf-8-sig"))
    out: set[str] = set()
    stack = [(doc.get("planned_values") or {}).get("root_module") or {}]
    while stack:
        m = stack.pop()
        out |= {r.get("address") for r in m.get("resources") or []}
        stack.extend(m.get("child_modules") or [])
    return {checkov_name(a) for a in out if isinstance(a, str)}


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
    ctj = ctj_verdicts(loaded, set(checkov))
    # Checkov's plan parser hands checks only planned_values; data sources (read at plan
    # time, recorded in prior_state/configuration) never reach a check: documented gap
    visible = _planned_addresses(plan)
    for key in [k for k in ctj if k[1] not in visible]:
        assert key[1] in {checkov_name(r.address) for r in loaded.deployment.databases if r.kind == "data"}, key
        del ctj[key]
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
        pytest.skip("fixtures/terraform/stage1 not present")
    checkov = run_checkov(tree, "terraform")
    assert not [k for k in checkov if k[1] == "aws_db_instance.default"]
    for plan in PLAN_FIXTURES:
        checkov = run_checkov(plan, "terraform_plan")
        assert not [k for k in checkov if k[1] == "aws_db_instance.default"], plan.name


def test_failing_rules_match_on_plans():
    """The done-when check: Checkov's failing CKV_CTJ IDs are the CTJ rules ctj-policy fails on them."""
    from ctj_policy.loaders.plan import load_plan

    if not PLAN_FIXTURES:
        pytest.skip("no plan fixtures yet")
    by_check = {s.check_id: s.rule_id for s in CHECK_MAP}
    for plan in PLAN_FIXTURES:
        checkov = run_checkov(plan, "terraform_plan")
        failing = {by_check[cid] for (cid, _a), st in checkov.items() if st == "FAILED"}
        loaded = load_plan(str(plan), DEFAULT)
        ctj = ctj_verdicts(loaded, set(checkov))
        expected = {by_check[cid] for (cid, _a), v in ctj.items() if v == FAIL}
        assert failing == expected, f"{plan.name}: Checkov fails {sorted(failing)}, ctj-policy {sorted(expected)}"


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
