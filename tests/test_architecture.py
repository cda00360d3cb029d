"""Architecture constraints (SPEC section 8) that a refactor could silently break.

``LAYERS`` below is the one place the package's layers are written down (CONTRIBUTING.md points here).
"""

from __future__ import annotations

import ast
import fnmatch
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import PLANS, ROOT

PACKAGE = ROOT / "ctj_policy"
MAX_LINES = 700


# ---------------------------------------------------------------- the layers


@dataclass(frozen=True)
class Layer:
    name: str
    modules: tuple[str, ...]  # module names; "pkg.*" = every module inside pkg (not pkg itself)
    may_import: tuple[str, ...]  # the LOWER layers its modules may import (its own layer always)
    why: str


# Bottom first. A module may import its own layer and the layers in its ``may_import``, which must all be
# lower: an import pointing up (or sideways into a sibling it was not granted) fails test_imports_point_down.
# Every module in ctj_policy/ must match exactly one layer. Names that do not exist (yet) match nothing.
LAYERS = (
    Layer("base", ("ctj_policy", "ctj_policy.errors", "ctj_policy.model", "ctj_policy.addresses", "ctj_policy.model_index", "ctj_policy.limits", "ctj_policy.cache",
                   "ctj_policy.workflow_model"), (),
          "the version, InputError and friends, the one normalized typed model; standard library only"),
    Layer("config", ("ctj_policy.config", "ctj_policy.waivers", "ctj_policy.redact", "ctj_policy.hcl2_check"),
          ("base",),
          "configuration and waiver syntax, redaction, the python-hcl2 diagnosis: what every layer above may use"),
    Layer("loaders", ("ctj_policy.loaders", "ctj_policy.loaders.*"), ("base", "config"),
          "input -> model (plan JSON, HCL); know nothing of queries, rules, engine or reports"),
    Layer("queries", ("ctj_policy.queries", "ctj_policy.queries.*"), ("base", "config"),
          "the questions asked of the model (roles, images, the CTJ task/service, secrets, volumes, routing)"),
    Layer("rules", ("ctj_policy.rules.*",), ("base", "config", "queries"),
          "one module per rule, the Rule type and finding helpers: pure functions of the model"),
    Layer("registry", ("ctj_policy.rules",), ("base", "config", "rules"),
          "ALL_RULES: the rule catalog every list of rules derives from"),
    Layer("engine", ("ctj_policy.engine", "ctj_policy.baseline", "ctj_policy.causes"), ("base", "config", "queries", "rules", "registry"),
          "rules -> waivers -> redaction -> sorted results, the exit code (and the baseline comparison)"),
    Layer("presentation", ("ctj_policy.topology", "ctj_policy.topology_workflow", "ctj_policy.reporters", "ctj_policy.reporters.*"),
          ("base", "config", "queries", "registry"),
          "the diagram and one writer per format: read results, the model and rule metadata; no rule module"),
    Layer("checkov", ("ctj_policy.checkov", "ctj_policy.checkov.*"),
          ("base", "config", "loaders", "queries", "rules", "registry", "engine"),
          "the Checkov adapter (checkov.conf: conf -> model over loaders.build, imports nothing above the loaders), "
          "the verdicts over the engine, the packaged checks (checkov/checks/) and the `ctj-policy checkov` command"),
    Layer("cli", ("ctj_policy.cli", "ctj_policy.cli_output", "ctj_policy.__main__"),
          ("base", "config", "loaders", "queries", "rules", "registry", "engine", "presentation", "checkov"),
          "the command line: wires everything"),
)
LAYER_BY_NAME = {layer.name: layer for layer in LAYERS}

# Known violations other branches are fixing (issue 9). strict xfail: the case turns red (XPASS) the day
# the module is fixed, and test_known_violations_name_real_modules turns red the day it is moved away;
# either way, delete its line here.
IMPORT_VIOLATIONS = {
}
SIZE_VIOLATIONS = {
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> Layer | None:
    exact = [layer for layer in LAYERS if module in layer.modules]
    if exact:
        return exact[0]
    for layer in LAYERS:
        if any(pattern.endswith(".*") and fnmatch.fnmatchcase(module, pattern) for pattern in layer.modules):
            return layer
    return None


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module ``from ... import`` names (relative imports resolved against ``module``)."""
    if not node.level:
        return node.module or ""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> set[str]:
    """Every ctj_policy module ``module`` imports: at the top, inside functions, under TYPE_CHECKING, and
    by ``importlib.import_module`` of a literal name (or an f-string's literal prefix)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            # `from pkg import sub` imports the module pkg.sub when there is one
            subs = [f"{target}.{alias.name}" for alias in node.names if f"{target}.{alias.name}" in MODULES]
            names = subs if len(subs) == len(node.names) else [target, *subs]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names = [arg.value]
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                names = [arg.values[0].value.rstrip(".")]
        for name in names:
            if name == "ctj_policy" or name.startswith("ctj_policy."):
                # `import ctj_policy.x.y` names a module; a trailing attribute (from x import Name) is not one
                while name not in MODULES and "." in name:
                    name = name.rpartition(".")[0]
                if name != module:
                    found.add(name)
    return found


def _cases(violations: dict[str, str]) -> list:
    return [
        pytest.param(m, id=m, marks=[pytest.mark.xfail(strict=True, reason=violations[m])] if m in violations else [])
        for m in MODULES
    ]


def test_layer_table_points_down():
    seen: set[str] = set()
    for layer in LAYERS:
        unknown = [name for name in layer.may_import if name not in LAYER_BY_NAME]
        assert not unknown, f"layer {layer.name} may import unknown layers {unknown}"
        upward = [name for name in layer.may_import if name not in seen]
        assert not upward, f"layer {layer.name} may import {upward}, which are not below it"
        seen.add(layer.name)


def test_every_module_is_in_one_layer():
    assert "ctj_policy.model" in MODULES and "ctj_policy.engine" in MODULES  # the walk found the package
    orphans = [m for m in MODULES if layer_of(m) is None]
    assert not orphans, f"modules in no layer: {orphans}; add each to LAYERS in tests/test_architecture.py"


@pytest.mark.parametrize("module", _cases(IMPORT_VIOLATIONS))
def test_imports_point_down(module):
    layer = layer_of(module)
    assert layer is not None, f"{module} is in no layer"
    allowed = {layer.name, *layer.may_import}
    wrong = sorted(
        f"{target} ({layer_of(target).name if layer_of(target) else 'no layer'})"
        for target in imports_of(module)
        if layer_of(target) is None or layer_of(target).name not in allowed
    )
    assert not wrong, f"{module} ({layer.name}) imports {', '.join(wrong)}; it may import only {sorted(allowed)}"


@pytest.mark.parametrize("module", _cases(SIZE_VIOLATIONS))
def test_no_module_over_700_lines(module):
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines (at most {MAX_LINES}): split it along its seams"


def test_known_violations_name_real_modules():
    """A module that moved away takes its violation with it: delete the stale entry."""
    stale = sorted(m for m in {**IMPORT_VIOLATIONS, **SIZE_VIOLATIONS} if m not in MODULES)
    assert not stale, f"no such module any more, delete its entry: {stale}"


def test_the_guard_sees_imports_of_every_form():
    """The guard itself: relative, absolute, lazy, `from pkg import submodule` and import_module forms."""
    assert {"ctj_policy.errors"} <= imports_of("ctj_policy.hcl2_check")  # from .errors import InputError
    assert "ctj_policy.config" in imports_of("ctj_policy.topology")  # lazy, inside a function
    assert "ctj_policy.checkov.command" in imports_of("ctj_policy.cli")  # importlib.import_module("...")
    assert {"ctj_policy.rules", "ctj_policy.rules.base", "ctj_policy.redact"} <= imports_of("ctj_policy.engine")
    assert layer_of("ctj_policy.rules").name == "registry" and layer_of("ctj_policy.rules.ctj001").name == "rules"


# ---------------------------------------------------------------- standard library only

# what runs inside Checkov's environment or is promised to be pure: it must import with the standard library
# only (the Checkov adapter's modules: ctj_policy/checkov/checks/ctj_checks.py loads them inside Checkov's env)
STDLIB_ONLY_LAYERS = ("base", "config", "queries", "rules", "registry", "engine")
STDLIB_ONLY_EXTRA = [
    "ctj_policy.loaders.containers",
    "ctj_policy.loaders.references",
    "ctj_policy.loaders.scope",
    "ctj_policy.loaders.build",
    "ctj_policy.checkov.conf",
    "ctj_policy.checkov.mapping",
    "ctj_policy.checkov.verdict",
    "ctj_policy.checkov.targets",
    "ctj_policy.checkov.plan",
    "ctj_policy.checkov.hcl",
    "ctj_policy.checkov.adapter",
]
THIRD_PARTY = ["click", "jsonschema", "hcl2", "lark", "yaml", "checkov"]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_model_rules_and_adapters_import_only_the_standard_library():
    stdlib_only = [m for m in MODULES if layer_of(m) and layer_of(m).name in STDLIB_ONLY_LAYERS] + STDLIB_ONLY_EXTRA
    assert {"ctj_policy.model", "ctj_policy.rules.ctj001", "ctj_policy.engine"} <= set(stdlib_only)
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in THIRD_PARTY)
    imports = "; ".join(f"importlib.import_module({m!r})" for m in stdlib_only)
    proc = _run(f"import sys, importlib; {blocked}; {imports}; print('ok')")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_plan_mode_never_imports_the_hcl_parser():
    """A whole `check` of a plan (exit 0, a full JSON report) with neither hcl2 nor lark ever imported."""
    code = (
        "import json, sys\nfrom ctj_policy.cli import main\n"
        f"sys.argv = ['ctj-policy', 'check', {str(PLANS / 'whole-account.json')!r}, '--format', 'json']\n"
        "try:\n    main()\n    code = 0\nexcept SystemExit as exc:\n    code = exc.code\n"
        "sys.stderr.write(json.dumps({'exit': code, 'hcl': sorted(m for m in ('hcl2', 'lark') if m in sys.modules)}))"
    )
    proc = _run(code)
    outcome = json.loads(proc.stderr.strip().splitlines()[-1])
    assert outcome["exit"] in (0, None), proc.stderr  # whole-account.json passes every rule
    report = json.loads(proc.stdout)
    assert report["input"]["kind"] == "plan" and report["summary"]["pass"] == len(report["results"]) > 0
    assert outcome["hcl"] == [], outcome


def test_rules_never_see_json_or_hcl():
    paths = sorted((ROOT / "ctj_policy" / "rules").glob("*.py"))
    assert len(paths) > 10
    for path in paths:
        text = path.read_text()
        for forbidden in ("import json", "from json", "hcl2", "lark", "resource_changes", "planned_values"):
            assert forbidden not in text, f"{path.name} mentions {forbidden}"


def test_reporters_know_nothing_of_terraform():
    paths = sorted((ROOT / "ctj_policy" / "reporters").glob("*.py"))
    assert len(paths) > 3
    for path in paths:
        text = path.read_text()
        for forbidden in ("loaders", "resource_changes", "aws_ecs", "hcl2"):
            assert forbidden not in text, f"{path.name} mentions {forbidden}"


def test_opentofu_plan_loads_and_decides_the_same(tmp_path):
    """OpenTofu writes the same JSON with its own registry host and version."""
    doc = json.loads((PLANS / "legacy.json").read_text())
    doc["terraform_version"] = "1.9.0"
    text = json.dumps(doc).replace("registry.terraform.io/", "registry.opentofu.org/")
    assert "registry.opentofu.org/" in text
    tofu = tmp_path / "tofu.json"
    tofu.write_text(text)
    from ctj_policy.config import DEFAULT
    from ctj_policy.engine import evaluate
    from ctj_policy.loaders.plan import load_plan

    def verdicts(p):
        results = evaluate(load_plan(str(p), DEFAULT).deployment, DEFAULT).results
        return sorted((r.rule_id, r.status, r.address or "") for r in results)

    legacy = verdicts(PLANS / "legacy.json")
    assert any(status == "fail" for _, status, _ in legacy)  # a plan that decides something
    assert verdicts(tofu) == legacy
