"""What the lockstep rules (CTJ040-CTJ044, SPEC section 11) share.  Standard library only.

They judge the deploy workflows attached to the deployment
(``Deployment.workflows``: :class:`~ctj_policy.workflow_model.Workflow`)
against the Terraform model.  A finding about the workflow is located at the
workflow file and line of the step (or the value) it is about, and its subject
is ``Subject("workflow", "job/step")``.  What the loader could not read (a
:class:`~ctj_policy.workflow_model.Gap`) turns a verdict that rests on absence
("nothing pushes the frontend image") into ``unknown``: the unread step may do it.
Nothing here prints a value the workflow holds in a secret: messages name
repositories, tags, services, roles and variable names, never build-argument values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..model import PASS, UNKNOWN, Finding, Resource, Subject, Unknown
from ..queries.workflows import arn_tail, repository
from ..workflow_model import Gap, Origin, Workflow, show

# gap kinds (workflow_model.Gap) that may hide what a rule looks for
IMAGE_GAPS = ("docker", "script", "shell", "action", "workflow")  # builds and pushes
REDEPLOY_GAPS = ("ecs", "script", "shell", "action", "workflow")  # redeploys
ANY_GAPS = ("script", "shell", "action", "workflow")  # credentials, permissions

NO_WORKFLOW_SUBJECT = Subject("workflow", "")


def no_workflow(rule_id: str) -> Finding:
    """What a lockstep rule says when it is asked without a workflow (the engine does not run it then)."""
    return Finding(
        UNKNOWN,
        f"no deploy workflow given: {rule_id} judges one with the Terraform (--workflow FILE, or workflows = [...] in the config)",
        subject=NO_WORKFLOW_SUBJECT,
    )


def at(status: str, message: str, origin: Origin, line: int | None = None, *, about: Resource | None = None, subject: Subject | None = None) -> Finding:
    """A finding at ``origin``'s workflow file and ``line`` (default: the origin's own line).

    ``about``: the Terraform resource it concerns, when it concerns one (gives the address, never the location);
    ``subject``: default, the workflow step.
    """
    return Finding(
        status=status,
        message=message,
        address=about.address if about is not None else None,
        location=origin.at(line),
        subject=subject or Subject("workflow", origin.label),
    )


def anchor(workflows: list[Workflow]) -> Origin:
    """Where a finding about a workflow as a whole goes: its first job, else (a workflow built by hand: the
    loader refuses one without jobs) its first line, labelled by the file so that its subject is never
    NO_WORKFLOW_SUBJECT's."""
    wf = workflows[0]
    if wf.jobs:
        return Origin(wf.path, wf.jobs[0].id, "", wf.jobs[0].line)
    return Origin(wf.path, wf.path, "", 1)


def whole(workflows: list[Workflow]) -> Subject:
    """The subject of a finding about the workflows as a whole (by file)."""
    return Subject("workflow", ", ".join(wf.path for wf in workflows))


def gaps(workflows: Iterable[Workflow], kinds: tuple[str, ...]) -> list[Gap]:
    return [g for wf in workflows for g in wf.gaps if g.kind in kinds]


def describe_gaps(found: list[Gap]) -> str:
    """The first unread step, for an ``unknown`` message (and how many more)."""
    g = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return f"{g.what} ('{g.origin.label}', line {g.origin.line}){more}"


def where(origin: Origin) -> str:
    """The step for messages: ``'job/step'`` (the finding's location carries the file and line)."""
    return f"'{origin.label}'"


def why_not_known(value: Any) -> str:
    """What is missing about a workflow value: its Unknown's reason, or the run-time value it names."""
    if isinstance(value, Unknown):
        return value.describe()
    detail = getattr(value, "detail", "")
    return f"{show(value)} is a run-time value" + (f" ({detail})" if detail else "")


_TOKEN = re.compile(r"[a-z0-9]+")


def tokens(text: Any) -> set[str]:
    """The words of a name (``civic-tech-jobs-postgres`` -> civic, tech, jobs, postgres); none when not known."""
    return set(_TOKEN.findall(text.lower())) if isinstance(text, str) else set()


def problems_or_pass(findings: list[Finding], passing: Finding) -> list[Finding]:
    """Every fail and unknown found, else the one passing finding."""
    bad = [f for f in findings if f.status != PASS]
    return bad or [passing]


__all__ = [
    "ANY_GAPS",
    "IMAGE_GAPS",
    "NO_WORKFLOW_SUBJECT",
    "REDEPLOY_GAPS",
    "anchor",
    "arn_tail",
    "at",
    "describe_gaps",
    "gaps",
    "no_workflow",
    "problems_or_pass",
    "repository",
    "tokens",
    "where",
    "whole",
    "why_not_known",
]
