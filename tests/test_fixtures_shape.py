"""Shape checks for the generated plan fixtures (fixtures/plans, written by fixtures/build_plans.py).

These check the shape of whatever fixtures exist; they demand no fixture per
rule (adding a rule costs a rule file and a test file, tests/rules/test_ctjNNN.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ctj_policy.rules import TERRAFORM_RULES

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "fixtures" / "plans"
BUILDER = ROOT / "fixtures" / "build_plans.py"
PLAN_FILES = sorted(p for p in PLANS.glob("*.json") if p.name != "expected.json")
RULES = {r.id for r in TERRAFORM_RULES}  # the plan fixtures say nothing of the workflow rules
RC_KEYS = {"address", "mode", "type", "name", "provider_name", "change"}
CHANGE_KEYS = {"actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive"}
# references that name no configuration object by design
BUILTIN_HEADS = {"count", "each", "path", "terraform", "self"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_fixtures():
    """The named scenarios the other tests read; no per-rule fixture is required."""
    names = {p.name for p in PLAN_FILES}
    for required in ("whole-account.json", "stage1-project.json", "cutover.json", "legacy.json"):
        assert required in names
    for name in names:
        m = re.match(r"^fail-(ctj\d{3})-[a-z0-9-]+\.json$", name)
        if name.startswith("fail-"):
            assert m and m.group(1).upper() in RULES, f"{name}: fail-<rule id>-<what>.json naming an existing rule"


@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: p.name)
def test_plan_shape(path: Path):
    plan = load(path)
    assert plan["format_version"] == "1.2"
    assert plan["terraform_version"] == "1.12.2"
    assert plan["errored"] is False and plan["complete"] is True
    for rc in plan["resource_changes"]:
        assert set(rc) >= RC_KEYS, rc["address"]
        assert set(rc["change"]) >= CHANGE_KEYS, rc["address"]
        assert rc["mode"] == "managed"
        if rc["address"].startswith("module."):
            assert rc["address"].startswith(rc["module_address"] + ".")
        if "delete" in rc["change"]["actions"]:
            assert rc["change"]["after"] is None
        if "create" in rc["change"]["actions"]:
            assert rc["change"]["before"] is None

    def addresses(module: dict) -> list[str]:
        out = [r["address"] for r in module.get("resources", [])]
        for child in module.get("child_modules", []):
            for r in child.get("resources", []):
                assert r["address"].startswith(child["address"] + ".")
            out += addresses(child)
        return out

    changes = {rc["address"]: rc for rc in plan["resource_changes"]}
    planned = addresses(plan["planned_values"]["root_module"])
    assert len(planned) == len(set(planned))
    for address in planned:
        assert address in changes, address
        assert "delete" not in changes[address]["change"]["actions"]
    for address, rc in changes.items():
        if rc["change"]["actions"] != ["delete"]:
            assert address in planned, address
    if "prior_state" in plan:
        prior = set(addresses(plan["prior_state"]["values"]["root_module"]))
        for address, rc in changes.items():
            existed = rc["change"]["before"] is not None
            assert (address in prior) == existed, address


@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: p.name)
def test_unknown_values_are_omitted_from_after(path: Path):
    plan = load(path)
    for rc in plan["resource_changes"]:
        after, unknown = rc["change"]["after"], rc["change"]["after_unknown"]
        if after is None:
            continue
        for key, flag in unknown.items():
            if flag is True:
                assert key not in after, (rc["address"], key)


def _config_modules(module: dict, path: tuple = ()):
    yield path, module
    for name, call in module.get("module_calls", {}).items():
        yield from _config_modules(call["module"], path + (name,))


def _expressions(obj):
    """Every <expression-representation> (dicts with references/constant_value) under obj."""
    if isinstance(obj, dict):
        if "references" in obj and isinstance(obj["references"], list):
            yield obj
            return
        for v in obj.values():
            yield from _expressions(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _expressions(v)


def _check_reference(ref: str, module: dict, where: str) -> None:
    head = ref.split(".")[0].split("[")[0]
    if head in BUILTIN_HEADS:
        return
    if head == "var":
        name = re.match(r"var\.([\w-]+)", ref).group(1)
        assert name in module.get("variables", {}), f"{where}: {ref}"
    elif head == "module":
        m = re.match(r"module\.([\w-]+)(?:\.([\w-]+))?", ref)
        call = module.get("module_calls", {}).get(m.group(1))
        assert call is not None, f"{where}: {ref}"
        if m.group(2):
            assert m.group(2) in call["module"].get("outputs", {}), f"{where}: {ref}"
    elif head == "local":
        pytest.fail(f"{where}: {ref}: locals are not in the plan's configuration; fixtures must not use them")
    else:
        parts = re.sub(r"\[[^\]]*\]", "", ref).split(".")
        base = ".".join(parts[:3] if head == "data" else parts[:2])
        local = {r["address"] for r in module.get("resources", [])}
        assert base in local, f"{where}: {ref}"


@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: p.name)
def test_configuration_references_resolve(path: Path):
    plan = load(path)
    config = plan["configuration"]
    root = config["root_module"]
    for name, provider in config.get("provider_config", {}).items():
        for expr in _expressions(provider.get("expressions", {})):
            for ref in expr["references"]:
                _check_reference(ref, root, f"provider {name}")
    for mpath, module in _config_modules(root):
        where = ".".join(f"module.{n}" for n in mpath) or "root"
        for r in module.get("resources", []):
            for key in ("expressions", "count_expression", "for_each_expression"):
                for expr in _expressions(r.get(key, {})):
                    for ref in expr["references"]:
                        _check_reference(ref, module, f"{where}.{r['address']}")
        for oname, out in module.get("outputs", {}).items():
            assert "references" in out["expression"] or "constant_value" in out["expression"]
            for ref in out["expression"].get("references", []):
                _check_reference(ref, module, f"{where} output {oname}")
        for cname, call in module.get("module_calls", {}).items():
            for expr in _expressions(call.get("expressions", {})):
                for ref in expr["references"]:
                    _check_reference(ref, module, f"{where} module {cname}")
            # every argument the call passes is a declared variable of the child
            for arg in call.get("expressions", {}):
                assert arg in call["module"].get("variables", {}), f"{where} module {cname}: {arg}"


def test_expected_json_matches_fixtures():
    expected = load(PLANS / "expected.json")
    assert set(expected) == {p.name for p in PLAN_FILES}
    for name, entry in expected.items():
        assert set(entry["fail"]) <= RULES, name
        if isinstance(entry["not_fail"], list):
            assert set(entry["not_fail"]) <= RULES, name
            assert not set(entry["not_fail"]) & set(entry["fail"]), name
        else:
            assert entry["not_fail"] == "all others", name
        if name.startswith("fail-ctj"):
            assert entry["fail"] == ["CTJ" + name.split("-")[1][3:]], name


def test_builder_is_deterministic(tmp_path: Path):
    proc = subprocess.run([sys.executable, str(BUILDER), "--out", str(tmp_path)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    generated = sorted(p.name for p in tmp_path.iterdir())
    committed = sorted(p.name for p in PLANS.iterdir() if p.is_file())
    assert generated == committed
    for name in generated:
        assert (tmp_path / name).read_bytes() == (PLANS / name).read_bytes(), name
