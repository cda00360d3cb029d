"""One CKV_CTJ check on one resource: the plan-mode or the HCL-mode verdict.  Standard library only.

The Checkov check classes (``checks/ctj_checks.py``) call :func:`check_resource`
with what Checkov hands them; everything they report comes from ctj-policy's
own loaders, rules and engine (:mod:`.plan`, :mod:`.hcl`).
"""

from __future__ import annotations

from ..config import DEFAULT, Config
from ..model import UNKNOWN
from .conf import data_address
from .hcl import hcl_verdict
from .plan import plan_evaluation, plan_verdict
from .targets import is_plan_file
from .verdict import ChecksError, Verdict

PLAN_CONF_KEY = "__change_actions__"  # only Checkov's plan parser sets it


def plan_mode(scanned_file: str, conf: dict) -> bool:
    return is_plan_file(scanned_file) or (isinstance(conf, dict) and PLAN_CONF_KEY in conf)


def check_resource(
    rule_id: str,
    conf: dict,
    resource_type: str,
    *,
    scanned_file: str = "",
    plan_path: str | None = None,
    block_type: str = "resource",
    config: Config = DEFAULT,
) -> Verdict:
    """Run CTJ rule ``rule_id`` on one Checkov resource conf.

    Plan mode (``scanned_file`` is a plan, or ``plan_path`` is given): the
    whole-plan evaluation of ``plan_path`` (the file Checkov scans, found by
    :func:`~.targets.locate`), reported on this resource.  Without a readable
    plan it raises :class:`ChecksError`: never a guess, never a silent nothing.
    HCL mode: the rule on a model of this one resource.  Resources outside the
    CTJ scope are UNKNOWN (not reported) in both.
    """
    address = conf.get("__address__") if isinstance(conf, dict) else None
    is_plan = plan_path is not None or plan_mode(scanned_file, conf)
    if not isinstance(address, str) or not address:
        if is_plan:  # Checkov's plan parser always sets it: without it no plan-mode check can report anything
            raise ChecksError(f"Checkov handed a plan-mode check a resource without __address__ ({scanned_file!r})")
        return Verdict(UNKNOWN, reason="Checkov gave no resource address")
    if block_type == "data":
        address = data_address(address, resource_type)
    if is_plan:
        if not plan_path:
            raise ChecksError(f"the plan file Checkov scans ({scanned_file!r}) was not located")
        return plan_verdict(rule_id, address, resource_type, plan_evaluation(plan_path, config), block_type=block_type)
    return hcl_verdict(rule_id, conf, resource_type, address, block_type=block_type, config=config)


__all__ = ["check_resource", "plan_mode"]
