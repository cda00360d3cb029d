"""Architecture constraints (SPEC section 8) that a refactor could silently break."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import PLANS, ROOT

STDLIB_ONLY = [
    "ctj_policy.model",
    "ctj_policy.config",
    "ctj_policy.redact",
    "ctj_policy.rules",
    "ctj_policy.engine",
    "ctj_policy.loaders.containers",
    "ctj_policy.loaders.references",
    "ctj_policy.loaders.scope",
    "ctj_policy.loaders.build",
    "ctj_policy.loaders.checkov_conf",
]
THIRD_PARTY = ["click", "jsonschema", "hcl2", "lark", "yaml", "checkov"]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_model_rules_and_adapters_import_only_the_standard_library():
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in THIRD_PARTY)
    imports = "; ".join(f"importlib.import_module({m!r})" for m in STDLIB_ONLY)
    proc = _run(f"import sys, importlib; {blocked}; {imports}; print('ok')")
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_plan_mode_never_imports_the_hcl_parser():
    code = (
        "import sys; from ctj_policy.cli import main; sys.argv=['ctj-policy','check',%r,'--format','json'];\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(repr(sorted(m for m in ('hcl2','lark') if m in sys.modules)))"
    ) % str(PLANS / "whole-account.json")
    proc = _run(code)
    assert proc.stderr.strip().endswith("[]"), proc.stderr


def test_rules_never_see_json_or_hcl():
    for path in sorted((ROOT / "ctj_policy" / "rules").glob("*.py")):
        text = path.read_text()
        for forbidden in ("import json", "from json", "hcl2", "lark", "resource_changes", "planned_values"):
            assert forbidden not in text, f"{path.name} mentions {forbidden}"


def test_reporters_know_nothing_of_terraform():
    for path in sorted((ROOT / "ctj_policy" / "reporters").glob("*.py")):
        text = path.read_text()
        for forbidden in ("loaders", "resource_changes", "aws_ecs", "hcl2"):
            assert forbidden not in text, f"{path.name} mentions {forbidden}"


def test_opentofu_plan_loads_and_decides_the_same(tmp_path):
    """OpenTofu writes the same JSON with its own registry host and version."""
    doc = json.loads((PLANS / "legacy.json").read_text())
    doc["terraform_version"] = "1.9.0"
    text = json.dumps(doc).replace("registry.terraform.io/", "registry.opentofu.org/")
    tofu = tmp_path / "tofu.json"
    tofu.write_text(text)
    from ctj_policy.config import DEFAULT
    from ctj_policy.engine import evaluate
    from ctj_policy.loaders.plan import load_plan

    def verdicts(p):
        return sorted((r.rule_id, r.status, r.address or "") for r in evaluate(load_plan(str(p), DEFAULT).deployment, DEFAULT).results)

    assert verdicts(tofu) == verdicts(PLANS / "legacy.json")
