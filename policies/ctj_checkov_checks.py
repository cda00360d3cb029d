"""Checkov custom checks CKV_CTJ_<nnn>: thin adapters over ctj-policy's rules.

Loaded by ``checkov --external-checks-dir policies/`` (frameworks
``terraform`` and ``terraform_plan``).  Nothing here re-implements an
invariant (``ctj_policy.loaders.checkov_conf``):

* plan mode: the check finds the plan file Checkov scans (``_plan_path``),
  ctj-policy builds the FULL model once per file and runs every rule on it;
  the check reports its rule's findings about the resource Checkov hands it
  (address-less findings on the anchor: the CTJ task definition, else the
  CTJ service);
* HCL mode: ctj-policy's model of the one resource conf, the SAME rule
  function; cross-resource rules report nothing (plan mode only).

Finding ctj_policy (standard library only here: Checkov's environment has
bc-python-hcl2, not python-hcl2, and must keep it that way):

1. env ``CTJ_POLICY_PATH``: a directory holding the ``ctj_policy`` package
   (the repository root);
2. the repository this directory belongs to (``policies/..``);
3. an importable ``ctj_policy`` (installed into Checkov's environment).

Only ``ctj_policy`` itself is loaded from that directory; the directory is
not added to ``sys.path``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


def _load_ctj_policy():
    if "ctj_policy" in sys.modules:
        return sys.modules["ctj_policy"]
    candidates = []
    env = os.environ.get("CTJ_POLICY_PATH")
    if env:
        candidates.append(Path(env).expanduser())
    candidates.append(Path(__file__).resolve().parent.parent)
    for root in candidates:
        init = root / "ctj_policy" / "__init__.py"
        if init.is_file():
            spec = importlib.util.spec_from_file_location(
                "ctj_policy", init, submodule_search_locations=[str(init.parent)]
            )
            module = importlib.util.module_from_spec(spec)
            sys.modules["ctj_policy"] = module
            spec.loader.exec_module(module)
            return module
    return importlib.import_module("ctj_policy")  # installed; ImportError says what is missing


_load_ctj_policy()

from ctj_policy.config import ConfigError, load_config  # noqa: E402
from ctj_policy.loaders.checkov_conf import CHECK_MAP, FAIL, PASS, check_resource  # noqa: E402
from ctj_policy.rules import RULES_BY_ID  # noqa: E402

_CONFIG = None


def _config():
    """The [tool.ctj-policy] configuration found from the current directory (as ctj-policy does)."""
    global _CONFIG
    if _CONFIG is None:
        try:
            _CONFIG = load_config(os.environ.get("CTJ_POLICY_CONFIG") or None)
        except ConfigError as exc:
            # say it here: Checkov runs checks in worker processes and drops a SystemExit's message
            print(f"ctj-policy checks: configuration error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(2) from None
    return _CONFIG


def _scanned_file(entity_path: str) -> str:
    # BaseCheck.run sets entity_path = f"{scanned_file}:{entity_type}:{entity_name}"
    parts = entity_path.rsplit(":", 2)
    return parts[0] if len(parts) == 3 else entity_path


def _plan_path(scanned_file: str) -> str | None:
    """The absolute path of the plan file Checkov is scanning.

    Checkov gives a check only the file's name relative to the scan's root
    folder (``/plan.json`` for ``-f dir/plan.json``: the root is the common
    directory of the ``-f`` files, or the ``-d`` directory).  Its plan
    runner's ``run_block`` holds that name (``scanned_file``) next to the
    absolute path (``full_file_path``) while it runs the checks, so the path
    is taken from the calling frame whose ``scanned_file`` is this one.  None
    (the check then reports nothing) when no such frame exists.
    """
    frame = sys._getframe(1)
    try:
        while frame is not None:
            local = frame.f_locals
            path = local.get("full_file_path")
            if local.get("scanned_file") == scanned_file and isinstance(path, str) and path:
                return path
            frame = frame.f_back
    finally:
        del frame
    return None


def _result(check, conf, block_type: str) -> CheckResult:
    scanned = _scanned_file(check.entity_path)
    verdict = check_resource(
        check.rule_id,
        conf,
        check.entity_type,
        scanned_file=scanned,
        plan_path=_plan_path(scanned),
        block_type=block_type,
        config=_config(),
    )
    check.details = [verdict.message] if verdict.status == FAIL and verdict.message else []
    if verdict.status == PASS:
        return CheckResult.PASSED
    if verdict.status == FAIL:
        return CheckResult.FAILED
    return CheckResult.UNKNOWN  # Checkov leaves it out of the report


class CtjResourceCheck(BaseResourceCheck):
    def __init__(self, spec, resources):
        rule = RULES_BY_ID[spec.rule_id]
        self.rule_id = spec.rule_id
        super().__init__(
            name=f"{spec.rule_id}: {rule.title}",
            id=spec.check_id,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_resources=list(resources),
            guideline=f"https://github.com/hackforla/incubator - ctj-policy {rule.doc_link}",
        )

    def scan_resource_conf(self, conf):
        self.evaluated_keys = []
        return _result(self, conf, "resource")


class CtjDataCheck(BaseDataCheck):
    def __init__(self, spec, data_types):
        rule = RULES_BY_ID[spec.rule_id]
        self.rule_id = spec.rule_id
        super().__init__(
            name=f"{spec.rule_id}: {rule.title}",
            id=spec.check_id,
            categories=[CheckCategories.GENERAL_SECURITY],
            supported_data=list(data_types),
        )

    def scan_data_conf(self, conf):
        self.evaluated_keys = []
        return _result(self, conf, "data")


CHECKS = []
for _spec in CHECK_MAP:
    if _spec.resources:
        CHECKS.append(CtjResourceCheck(_spec, _spec.resources))
    if _spec.data:
        CHECKS.append(CtjDataCheck(_spec, _spec.data))
