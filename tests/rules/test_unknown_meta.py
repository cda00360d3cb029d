"""Unknown is not pass: with the deployment's values unknown, no rule passes unless it is allowed to, with a reason.

The deployments are built generically: every field of every model object is
replaced by an ``Unknown`` (or, in the deep variant, every field that is not a
collection of model objects, whose elements are then treated the same way).
What stays known is what every loader always knows: which resources are in
scope and their addresses, where they are defined, what kind of resource a
database is, and whether the plan marks a value sensitive.  A rule added later
is covered without touching this file: it may not pass either.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Deployment, Ref, Template, Unknown
from ctj_policy.rules import ALL_RULES

from .builders import CONFIG, legacy, stage1

# identity and loader metadata, never a Terraform value
ALWAYS_KNOWN = {"address", "location", "type", "kind", "sensitive"}
# names are identities too: the second variant keeps them
NAMES = {"name", "container_name", "source_volume"}

# the third variant also keeps how resources are wired together (which task a service runs, which target group
# a block names, which service an autoscaling target scales): the rules then get past "which one is it" and
# reach the branches about each value (a service's desired_count, a target's max_capacity, ...)
WIRING = NAMES | {"task_definition", "arn", "name_ref", "resource_id", "scalable_dimension", "target_group", "target_groups", "family"}

# rules that may pass with every value unknown, and why that is right
MAY_PASS_ALL_UNKNOWN = {
    "CTJ020": "decided by which resource types are in scope (the plan's resource list), never by attribute values",
}
MAY_PASS_NAMES_KNOWN = {
    **MAY_PASS_ALL_UNKNOWN,
    "CTJ001": "roles are told by container name when the image does not tell (SPEC section 3), and the count is known",
    "CTJ002": "the legacy deployment is recognized by its names and addresses, which are known here",
    "CTJ031": "decided by variable names (and the plan's sensitivity marks), not by their values",
}


def _unknown_fields(obj: Any, where: str, keep: set[str], deep: bool) -> Any:
    changes = {}
    for f in dataclasses.fields(obj):
        if f.name in keep:
            continue
        value = getattr(obj, f.name)
        path = f"{where}.{f.name}"
        if deep and isinstance(value, tuple) and value and all(_is_model(v) for v in value):
            changes[f.name] = tuple(_unknown_fields(v, f"{path}[{i}]", keep, deep) for i, v in enumerate(value))
        elif deep and _is_model(value):
            changes[f.name] = _unknown_fields(value, path, keep, deep)
        else:
            changes[f.name] = Unknown(KNOWN_AFTER_APPLY, path)
    return dataclasses.replace(obj, **changes)


def _is_model(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, (type, Unknown, Ref, Template))


def all_unknown(dep: Deployment, keep: set[str] = frozenset(), deep: bool = False) -> Deployment:
    """``dep`` with every value of every resource in it unknown (the resources themselves stay)."""
    keep = ALWAYS_KNOWN | set(keep)
    out = dataclasses.replace(dep)
    for f in dataclasses.fields(dep):
        value = getattr(dep, f.name)
        if isinstance(value, list) and value and all(_is_model(v) for v in value):
            setattr(out, f.name, [_unknown_fields(r, r.address, keep, deep) for r in value])
    return out


BASES = {"stage1": stage1, "stage1-symbolic": lambda: stage1(True), "legacy": legacy}


def _passing(dep: Deployment) -> dict[str, list[str]]:
    out = {}
    for rule in ALL_RULES:
        found = list(rule.check(dep, CONFIG))
        assert found, f"{rule.id} reported nothing"
        passes = [f.message for f in found if f.status == "pass"]
        if passes:
            out[rule.id] = passes
    return out


@pytest.mark.parametrize("deep", [False, True], ids=["shallow", "deep"])
@pytest.mark.parametrize("base", sorted(BASES))
def test_no_rule_passes_on_an_all_unknown_deployment(base, deep):
    passing = _passing(all_unknown(BASES[base](), deep=deep))
    wrongly = {rid: msgs for rid, msgs in passing.items() if rid not in MAY_PASS_ALL_UNKNOWN}
    assert not wrongly, f"unknown became pass: {wrongly}"


@pytest.mark.parametrize("deep", [False, True], ids=["shallow", "deep"])
@pytest.mark.parametrize("base", sorted(BASES))
def test_no_rule_passes_on_unknown_values_with_known_names(base, deep):
    passing = _passing(all_unknown(BASES[base](), keep=NAMES, deep=deep))
    wrongly = {rid: msgs for rid, msgs in passing.items() if rid not in MAY_PASS_NAMES_KNOWN}
    assert not wrongly, f"unknown became pass: {wrongly}"


@pytest.mark.parametrize("deep", [False, True], ids=["shallow", "deep"])
@pytest.mark.parametrize("base", sorted(BASES))
def test_no_rule_passes_on_unknown_values_with_known_wiring(base, deep):
    passing = _passing(all_unknown(BASES[base](), keep=WIRING, deep=deep))
    wrongly = {rid: msgs for rid, msgs in passing.items() if rid not in MAY_PASS_NAMES_KNOWN}
    assert not wrongly, f"unknown became pass: {wrongly}"


def test_the_builder_really_makes_values_unknown():
    """The check above is only as good as its input: spot-check that values are gone and structure stays."""
    dep = all_unknown(stage1(), keep=NAMES, deep=True)
    task = dep.task_definitions[0]
    assert isinstance(task.network_mode, Unknown)
    assert isinstance(task.containers, tuple) and len(task.containers) == 3
    django = task.containers[0]
    assert django.name == "django" and isinstance(django.image, Unknown)
    assert all(isinstance(e.value, Unknown) and isinstance(e.name, str) for e in django.environment)
    assert isinstance(dep.services[0].desired_count, Unknown)
    assert isinstance(dep.services[0].load_balancers[0].container_port, Unknown)
    assert dep.services[0].address == stage1().services[0].address
    shallow = all_unknown(stage1())
    assert isinstance(shallow.task_definitions[0].containers, Unknown)
    assert isinstance(shallow.listener_rules[0].conditions, Unknown)


def test_allow_lists_name_real_rules():
    ids = {r.id for r in ALL_RULES}
    assert set(MAY_PASS_NAMES_KNOWN) <= ids
    assert all(reason.strip() for reason in MAY_PASS_NAMES_KNOWN.values())


def test_allow_lists_are_not_stale():
    """An allow-listed rule that no longer passes on any variant must leave its list (which then guards it again)."""
    passing: dict[str, set[str]] = {"all": set(), "names": set()}
    for make in BASES.values():
        for deep in (False, True):
            passing["all"].update(_passing(all_unknown(make(), deep=deep)))
            passing["names"].update(_passing(all_unknown(make(), keep=NAMES, deep=deep)))
    assert set(MAY_PASS_ALL_UNKNOWN) <= passing["all"], "drop from MAY_PASS_ALL_UNKNOWN: " + str(set(MAY_PASS_ALL_UNKNOWN) - passing["all"])
    stale = set(MAY_PASS_NAMES_KNOWN) - passing["names"]
    assert not stale, f"drop from MAY_PASS_NAMES_KNOWN: {stale}"
