"""What a rule is.  Standard library only.

A rule is one module ``ctjNNN.py`` exposing ``RULE``: its ID, title, severity,
the rationale (citing ``docs/decision.md``), a remediation, a bad and a good
Terraform example, its Checkov ID and the resource types it reports on, and
``check``: a pure function of the :class:`~ctj_policy.model.Deployment` and the
:class:`~ctj_policy.config.Config` that yields :class:`~ctj_policy.model.Finding`.
Rules never see JSON or HCL.  A rule with ``needs_workflow`` (CTJ040-CTJ044)
also judges the deploy workflows attached to the deployment
(``Deployment.workflows``): it runs only when a workflow is given, its examples
are workflow YAML, and it has no Checkov check.  Everything else (the registry, the docs, the
README table, ``explain``, Checkov's check map, the test ID lists) is derived
from ``RULE``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..config import Config
from ..model import DATABASE_RESOURCE_TYPES, ERROR, WARNING, Deployment, Finding

Check = Callable[[Deployment, Config], Iterable[Finding]]

# --------------------------------------------------------------------------
# the resource types rules report on (fnmatch patterns, as Checkov accepts them)
# --------------------------------------------------------------------------

TASK = ("aws_ecs_task_definition",)
SERVICE = ("aws_ecs_service",)
ECR = ("aws_ecr_repository",)
TARGET_GROUPS = ("aws_lb_target_group", "aws_alb_target_group")
LISTENER_RULES = ("aws_lb_listener_rule", "aws_alb_listener_rule")
INGRESS = ("aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule")
AUTOSCALING = ("aws_appautoscaling_target",)
DATABASES = tuple(sorted(DATABASE_RESOURCE_TYPES)) + ("postgresql_*",)
DATA_DATABASES = ("aws_db_*", "aws_rds_*")
# where a rule reports findings about no single resource (a missing rule, a module call): the task, else the service
ANCHOR = TASK + SERVICE

# --------------------------------------------------------------------------
# which resources of its types a rule judges
# --------------------------------------------------------------------------

EVERY = "every"  # every resource of its types in scope
CTJ_TASK = "ctj-task"  # only THE CTJ task (queries.ctj_task), through its containers
CTJ_SERVICE = "ctj-service"  # only the service running the CTJ task (queries.ctj_service)
APPLIES_TO = (EVERY, CTJ_TASK, CTJ_SERVICE)

# --------------------------------------------------------------------------
# prerequisites: what a rule needs before it can judge anything, and which rule
# reports each one missing (ctj_policy/causes.py groups the consequences)
# --------------------------------------------------------------------------

NEED_TASK = "task"  # the CTJ task definition exists
NEED_CONTAINERS = "containers"  # its container list is known at plan time
NEED_FRONTEND, NEED_BACKEND, NEED_DATABASE = "frontend", "backend", "database"  # a container of that role
NEED_SERVICE = "service"  # an ECS service runs the CTJ task
PREREQUISITES = (NEED_TASK, NEED_CONTAINERS, NEED_FRONTEND, NEED_BACKEND, NEED_DATABASE, NEED_SERVICE)


@dataclass(frozen=True)
class CheckovNotes:
    """How the Checkov adapter runs a rule beyond ``resource_types``.

    ``data``: data-source types the check is registered for; ``hcl``: the
    types a per-resource check judges alone in HCL mode (None: all of
    ``resource_types``); ``yaml``: a Checkov YAML graph policy expressing
    (part of) the rule; ``note``: what a per-resource check cannot see.
    """

    data: tuple[str, ...] = ()
    hcl: tuple[str, ...] | None = None
    yaml: str = ""
    note: str = ""


@dataclass(frozen=True)
class Rule:
    id: str  # CTJnnn, stable forever
    title: str
    severity: str  # "error" | "warning"
    rationale: str  # why (cites docs/decision.md)
    remediation: str  # how to fix
    check: Check
    # every registered rule fills these (tests/rules/test_meta.py); stand-in rules in tests may not
    summary: str = ""  # one line for the README table (Markdown)
    bad: str = ""  # a Terraform snippet the rule fails (a workflow rule: a workflow, against the Stage 1 plan)
    good: str = ""  # the same snippet fixed: the rule passes
    checkov_id: str = ""  # CKV_CTJ_nnn, stable forever
    resource_types: tuple[str, ...] = ()  # what it reports on (Checkov registers the check for these)
    applies_to: str = EVERY  # one of APPLIES_TO
    checkov: CheckovNotes = CheckovNotes()
    # documentation anchor, e.g. docs/rules.md#ctj001
    link: str = ""
    # PREREQUISITES this rule needs (a role implies the containers, which imply the task), and those whose
    # absence it is the rule to report: a finding about a missing prerequisite follows from the provider's
    needs: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    # judges the deploy workflow (--workflow) against the Terraform: run only when one is given
    needs_workflow: bool = False

    def __post_init__(self) -> None:
        if self.severity not in (ERROR, WARNING):
            raise ValueError(f"{self.id}: severity must be {ERROR!r} or {WARNING!r}")
        if self.applies_to not in APPLIES_TO:
            raise ValueError(f"{self.id}: applies_to must be one of {APPLIES_TO}")
        for need in (*self.needs, *self.provides):
            if need not in PREREQUISITES:
                raise ValueError(f"{self.id}: {need!r} is not one of {PREREQUISITES}")

    @property
    def example_language(self) -> str:
        """The language of ``bad``/``good``: a workflow rule's examples are GitHub Actions YAML."""
        return "yaml" if self.needs_workflow else "hcl"

    @property
    def doc_link(self) -> str:
        return self.link or f"docs/rules.md#{self.id.lower()}"


# the start of a Checkov note for a rule whose plan-mode check reports every finding
PLAN_MODE_ANCHOR = "plan mode: every finding, on the resource it names, else on the anchor. HCL mode: "
