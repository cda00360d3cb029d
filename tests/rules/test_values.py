"""The model's value semantics the rules rely on: unknowns refuse truth, equality knows about symbols."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    UNRESOLVED,
    Deployment,
    Ref,
    Result,
    Subject,
    TargetGroup,
    Template,
    Unknown,
    describe,
    first_unknown,
    is_known,
    ref_matches,
    same_value,
)

U = Unknown(KNOWN_AFTER_APPLY, "var.x")
R = Ref("aws_lb_target_group.api", "arn")
T = Template((R, ":stage"))


@pytest.mark.parametrize("value", [U, R, T], ids=["Unknown", "Ref", "Template"])
def test_symbolic_values_refuse_truth_testing(value):
    with pytest.raises(TypeError, match=f"^{type(value).__name__} has no truth value; test it with is_known\\(\\)$"):
        bool(value)


@pytest.mark.parametrize(
    "value, known",
    [("x", True), (0, True), (None, True), ((), True), ({"a": 1}, True), ([1, (2, "x")], True),
     (U, False), (R, False), (T, False), ((1, U), False), ([R], False), ({"a": T}, False), ({"a": (1, {"b": U})}, False)],
)  # fmt: skip
def test_is_known(value, known):
    assert is_known(value) is known


def test_first_unknown():
    other = Unknown(UNRESOLVED, "var.y")
    assert first_unknown("a", 1, None) is None
    assert first_unknown("a", U, other) is U
    assert first_unknown(Template(("p", other))) is other
    assert first_unknown(Template(("p", R))) is None
    assert first_unknown(("a", ["b", other])) is other
    assert first_unknown({"k": {"j": other}}) is other
    assert first_unknown(("a", "b"), {"k": "v"}, U) is U


def test_describe():
    assert describe("x") == "x" and describe("x", quote=True) == "'x'"
    assert describe(5432) == "5432"
    assert describe(None) == "None"
    # the merged describe() (model.describe): a value known only after apply reads as ${...}
    assert describe(U) == "${var.x is known after apply}"
    assert describe(R) == "${aws_lb_target_group.api.arn}"
    assert describe(Ref("module.m")) == "${module.m}"
    assert R.describe() == "aws_lb_target_group.api.arn" and U.describe() == "var.x is known after apply"
    assert describe(T) == "${aws_lb_target_group.api.arn}:stage"
    assert Unknown(UNRESOLVED).describe() == "value is unresolved reference"
    assert Unknown(UNRESOLVED, "var.y", "no default").describe() == "var.y is unresolved reference (no default)"


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ("x", "x", True), ("x", "y", False), (1, 1, True),
        (U, "x", None), ("x", U, None), (U, U, None),
        (R, Ref("aws_lb_target_group.api", "arn"), True), (R, Ref("aws_lb_target_group.web", "arn"), False),
        (R, Ref("aws_lb_target_group.api", "id"), False), (R, "arn:aws:x", None),
        (T, Template((R, ":stage")), True), (T, Template((R, ":prod")), False), (T, Template((R,)), None),
        (T, Template((Ref("aws_lb_target_group.web", "arn"), ":stage")), False),
        (Template((U, ":stage")), Template((U, ":stage")), None), (T, "x:stage", None),
    ],
)  # fmt: skip
def test_same_value(a, b, expected):
    assert same_value(a, b) is expected


@pytest.mark.parametrize(
    "ref, address, attribute, expected",
    [
        (Ref("aws_x.y", "arn"), "aws_x.y", None, True),
        (Ref("aws_x.y", "arn"), "aws_x.y", "arn", True),
        (Ref("aws_x.y", "arn"), "aws_x.y", "id", False),
        (Ref("aws_x.y", "arn"), "aws_x.y[0]", None, True),  # a reference without the [0] index
        (Ref("aws_x.y[0]", "arn"), "aws_x.y", None, True),
        (Ref('aws_x.y["a"]', "arn"), 'aws_x.y["b"]', None, False),  # two instances are not the same
        (Ref("aws_x.z", "arn"), "aws_x.y", None, False),
    ],
)
def test_ref_matches(ref, address, attribute, expected):
    assert ref_matches(ref, address, attribute) is expected


def test_find_prefers_the_exact_address_then_ignores_the_index():
    a, b = TargetGroup("aws_lb_target_group.t[0]"), TargetGroup("aws_lb_target_group.t[1]")
    dep = Deployment(target_groups=[a, b])
    assert dep.find("aws_lb_target_group.t[1]") is b
    assert dep.find("aws_lb_target_group.t") is a
    assert dep.find("aws_lb_target_group.u") is None


def test_subject_key_and_result_sort_key():
    assert Subject("env", "SQL_HOST", "django").key() == "env:django/SQL_HOST"
    assert Subject("task", "aws_ecs_task_definition.t").key() == "task:aws_ecs_task_definition.t"
    r = Result(rule_id="CTJ001", title="t", severity="error", status="fail", message="m")
    assert r.sort_key() == ("CTJ001", "", "m")
    assert sorted([Result("CTJ001", "t", "error", "fail", "m", address="A"), r], key=Result.sort_key)[0] is r


# --- rules/common.py helpers: subjects and scopes (issue 14) ---------------------------------------------


def test_scope_subject_names_the_scope_or_the_root_module():
    from ctj_policy.rules.common import scope_subject

    assert scope_subject(Deployment(scope="module.x")) == Subject("block", "module.x")
    assert scope_subject(Deployment(scope="")) == Subject("block", "(root module)")


def test_resource_subject_of_a_repository_with_an_unknown_name_is_by_address():
    from ctj_policy.model import EcrRepository
    from ctj_policy.rules.common import resource_subject

    repo = EcrRepository("aws_ecr_repository.x", name=U)
    assert resource_subject(repo) == Subject("repository", "aws_ecr_repository.x")
    assert resource_subject(EcrRepository("aws_ecr_repository.y", name="ctj")) == Subject("repository", "ctj")


def test_a_finding_about_nothing_without_a_subject_is_refused_with_its_message():
    from ctj_policy.rules.common import finding

    with pytest.raises(ValueError) as err:
        finding("fail", "x" * 70)
    assert str(err.value) == f"a finding about no resource needs a subject: {'x' * 60!r}"


def test_role_scope_keeps_the_task_when_the_container_cannot_be_had():
    from ctj_policy.model import TaskDefinition
    from ctj_policy.rules.common import role_scope
    from rules.builders import CONFIG

    for containers in (U, ()):  # the containers unknown; no backend container
        t = TaskDefinition("aws_ecs_task_definition.t", containers=containers)
        scope = role_scope(Deployment(task_definitions=[t]), CONFIG, "backend", "needed")
        assert (scope.task, scope.container, scope.finding.status) == (t, None, "unknown" if containers is U else "fail")
