"""Checkov custom checks CKV_CTJ_<nnn>: thin adapters over ctj-policy's rules.

Checkov loads this file by path (``--external-checks-dir``, frameworks
``terraform`` and ``terraform_plan``) inside ITS OWN environment, where
ctj-policy is not installed (Checkov's bc-python-hcl2 and python-hcl2 cannot
share one).  So this file loads the ``ctj_policy`` package it is shipped in
(two directories up; only that package, nothing else from its environment:
the modules the checks use import the standard library only) and registers
one check per entry of ``ctj_policy.checkov.mapping.CHECK_MAP``, which is
derived from the rules themselves.

Every failure to do the job is loud: the check prints one line
(``ctj-policy checks: ...``) and stops Checkov with exit 2 (a SystemExit is
the one thing Checkov's check runner does not swallow into "unknown").
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

PACKAGE = Path(__file__).resolve().parents[2]  # .../ctj_policy (this file: ctj_policy/checkov/checks/ctj_checks.py)


def _fail(message: str):
    # say it here: Checkov may run checks in worker processes and drops a SystemExit's message
    print(f"ctj-policy checks: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def _load_ctj_policy() -> None:
    loaded = sys.modules.get("ctj_policy")
    if loaded is not None:
        where = Path(getattr(loaded, "__file__", "") or ".").resolve().parent
        if where != PACKAGE:
            _fail(f"two ctj_policy packages in one Checkov run ({where} and {PACKAGE}): pass one checks directory")
        return
    init = PACKAGE / "__init__.py"
    spec = importlib.util.spec_from_file_location("ctj_policy", init, submodule_search_locations=[str(PACKAGE)])
    if spec is None or spec.loader is None or not init.is_file():
        _fail(f"no ctj_policy package at {PACKAGE}: reinstall ctj-policy")
    module = importlib.util.module_from_spec(spec)
    sys.modules["ctj_policy"] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules["ctj_policy"]
        _fail(f"cannot load ctj_policy from {PACKAGE}: {type(exc).__name__}: {exc}")


_load_ctj_policy()
try:
    from ctj_policy.checkov.adapter import check_resource, plan_mode
    from ctj_policy.checkov.mapping import CHECK_MAP
    from ctj_policy.checkov.targets import LOADED_ENV, locate, targets_from_env
    from ctj_policy.checkov.verdict import ChecksError
    from ctj_policy.config import ConfigError, load_config
    from ctj_policy.model import FAIL, PASS
    from ctj_policy.rules import RULES_BY_ID
except Exception as exc:
    _fail(f"cannot load the CTJ checks from {PACKAGE}: {type(exc).__name__}: {exc}")

_CONFIG = None


def _config():
    """The [tool.ctj-policy] configuration found from the current directory (as ctj-policy does)."""
    global _CONFIG
    if _CONFIG is None:
        try:
            _CONFIG = load_config(os.environ.get("CTJ_POLICY_CONFIG") or None)
        except ConfigError as exc:
            _fail(f"configuration error: {exc}")
    return _CONFIG


class _ScannedFile:
    """Keeps the ``scanned_file`` Checkov passes to ``BaseCheck.run`` for the duration of the run."""

    _scanned_file: str | None = None

    def run(self, *args, **kwargs):
        scanned = kwargs["scanned_file"] if "scanned_file" in kwargs else (args[0] if args else None)
        self._scanned_file = scanned if isinstance(scanned, str) else None
        try:
            return super().run(*args, **kwargs)
        finally:
            self._scanned_file = None


def _result(check, conf, block_type: str) -> CheckResult:
    scanned = check._scanned_file
    if scanned is None:
        _fail(f"{check.id}: Checkov ran the check without naming the file it scans (BaseCheck.run's scanned_file)")
    try:
        plan_path = locate(scanned, targets_from_env()) if plan_mode(scanned, conf) else None
        verdict = check_resource(
            check.rule_id,
            conf,
            check.entity_type,
            scanned_file=scanned,
            plan_path=plan_path,
            block_type=block_type,
            config=_config(),
        )
    except ChecksError as exc:
        _fail(str(exc))
    check.details = [verdict.message] if verdict.status == FAIL and verdict.message else []
    if verdict.status == PASS:
        return CheckResult.PASSED
    if verdict.status == FAIL:
        return CheckResult.FAILED
    return CheckResult.UNKNOWN  # Checkov leaves it out of the report


class CtjResourceCheck(_ScannedFile, BaseResourceCheck):
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


class CtjDataCheck(_ScannedFile, BaseDataCheck):
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


CHECKS: list = []
for _spec in CHECK_MAP:
    if _spec.resources:
        CHECKS.append(CtjResourceCheck(_spec, _spec.resources))
    if _spec.data:
        CHECKS.append(CtjDataCheck(_spec, _spec.data))


def _confirm_loaded() -> None:
    """Tell ``ctj-policy checkov`` (the file it names in CTJ_CHECKOV_LOADED) that Checkov loaded the checks."""
    marker = os.environ.get(LOADED_ENV)
    if not marker:
        return
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return  # the wrapper then says the checks were not loaded
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(f"{len(CHECKS)} {PACKAGE}\n")


_confirm_loaded()
