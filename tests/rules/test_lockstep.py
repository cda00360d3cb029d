"""What the lockstep rules (CTJ040-CTJ044) share in ctj_policy/rules/lockstep.py: where a finding about a
workflow as a whole goes."""

from __future__ import annotations

from ctj_policy.model import Subject
from ctj_policy.rules.lockstep import NO_WORKFLOW_SUBJECT, anchor
from ctj_policy.workflow_model import Job, Origin, Workflow


def test_a_workflow_finding_goes_to_the_first_job_of_the_first_workflow_by_its_id():
    """A matrix job's first combination is named by the job id, not the combination's label."""
    first = Workflow("deploy.yml", jobs=[Job("build", "build (frontend)", 8), Job("deploy", "deploy", 30)])
    second = Workflow("images.yml", jobs=[Job("push", "push", 5)])
    assert anchor([first, second]) == Origin("deploy.yml", "build", "", 8)


def test_a_workflow_without_jobs_anchors_at_its_first_line_under_its_file_name():
    """The loader refuses such a file; built by hand, its findings still get a place and a subject of their own."""
    origin = anchor([Workflow("deploy.yml")])
    assert origin == Origin("deploy.yml", "deploy.yml", "", 1)
    assert Subject("workflow", origin.label) != NO_WORKFLOW_SUBJECT
