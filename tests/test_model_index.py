"""Deployment.resolve's index (ctj_policy.model_index): the same answers as a scan, and never stale."""

from __future__ import annotations

import random

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    UNRESOLVED,
    Deployment,
    Ref,
    Secret,
    TargetGroup,
    Template,
    Unknown,
    is_known,
    ref_matches,
)


def scan(value, candidates, attrs=("arn", "id")):
    """What resolve answered before it was indexed: a scan, written out here as the reference."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Template):
        return Unknown(UNRESOLVED, value.describe())
    cands = list(candidates)
    if isinstance(value, Ref):
        matches = [r for r in cands if ref_matches(value, r.address)]
        if len(matches) > 1:
            return Unknown(UNRESOLVED, value.describe(), f"it may be any of {', '.join(r.address for r in matches)}")
        return matches[0] if matches else None
    if value is None:
        return None
    for r in cands:
        for a in attrs:
            if isinstance(getattr(r, a, None), str) and getattr(r, a) == value:
                return r
    if any(not is_known(getattr(r, a, None)) for r in cands for a in attrs):
        return Unknown(UNRESOLVED, str(value), "the referenced resource's id is known only after apply")
    return None


def _random_deployment(rng: random.Random) -> Deployment:
    dep = Deployment()
    arns = [f"arn:tg/{i}" for i in range(6)]
    for _ in range(rng.randint(0, 8)):
        block = rng.choice(["a", "b", "c"])
        key = rng.choice(["", "[0]", "[1]", '["x"]'])
        address = f"aws_lb_target_group.{block}{key}"
        arn = rng.choice([*arns, Ref(address, "arn"), Unknown(KNOWN_AFTER_APPLY, address), None])
        dep.target_groups.append(TargetGroup(address, arn=arn, name=rng.choice(["web", "api", arns[0], None])))
    return dep


def _values(rng: random.Random) -> list:
    refs = [Ref(f"aws_lb_target_group.{b}{k}", "arn") for b in "abcd" for k in ("", "[0]", "[1]", '["x"]')]
    return [
        *refs,
        *(f"arn:tg/{i}" for i in range(8)),
        "web",
        None,
        ["not", "hashable"],
        {"a": 1},
        5,
        Unknown(KNOWN_AFTER_APPLY, "x"),
        Template(("arn:", Ref("aws_lb_target_group.a", "arn"))),
    ]


@pytest.mark.parametrize("seed", range(60))
def test_the_index_answers_as_the_scan(seed):
    rng = random.Random(seed)
    dep = _random_deployment(rng)
    for attrs in (("arn", "id"), ("arn", "name"), ("name",)):
        for value in _values(rng):
            assert dep.resolve(value, dep.target_groups, attrs) == scan(value, dep.target_groups, attrs), (value, attrs)
            # a generator is read once, the same way
            assert dep.resolve(value, iter(dep.target_groups), attrs) == scan(value, dep.target_groups, attrs)


def test_the_first_candidate_in_list_order_wins():
    a = TargetGroup("aws_lb_target_group.a", arn="arn:1", name="x")
    b = TargetGroup("aws_lb_target_group.b", arn="arn:2", name="arn:1")
    dep = Deployment(target_groups=[b, a])
    assert dep.resolve("arn:1", dep.target_groups, ("arn", "name")) is b
    assert dep.resolve("arn:1", dep.target_groups, ("arn",)) is a


def test_a_change_to_a_resource_is_seen():
    tg = TargetGroup("aws_lb_target_group.a", arn="arn:1")
    dep = Deployment(target_groups=[tg])
    assert dep.resolve("arn:1", dep.target_groups) is tg
    tg.arn = "arn:2"
    assert dep.resolve("arn:1", dep.target_groups) is None
    assert dep.resolve("arn:2", dep.target_groups) is tg
    tg.arn = Ref(tg.address, "arn")
    assert isinstance(dep.resolve("arn:2", dep.target_groups), Unknown)


@pytest.mark.parametrize(
    "change",
    [
        lambda tgs, new: tgs.append(new),
        lambda tgs, new: tgs.insert(0, new),
        lambda tgs, new: tgs.__setitem__(0, new),
        lambda tgs, new: tgs.extend([new]),
        lambda tgs, new: tgs.__iadd__([new]),
    ],
    ids=["append", "insert", "setitem", "extend", "iadd"],
)
@pytest.mark.parametrize("plain", [False, True], ids=["deployment-list", "assigned-plain-list"])
def test_a_change_to_the_list_is_seen(change, plain):
    old = TargetGroup("aws_lb_target_group.a", arn="arn:1")
    new = TargetGroup("aws_lb_target_group.b", arn="arn:2")
    dep = Deployment()
    if plain:
        dep.target_groups = [old]  # a list the caller made: it cannot report its changes
        assert type(dep.target_groups) is list
    else:
        dep.target_groups.append(old)
    assert dep.resolve("arn:2", dep.target_groups) is None
    assert dep.resolve(Ref("aws_lb_target_group.b"), dep.target_groups) is None
    change(dep.target_groups, new)
    assert dep.resolve("arn:2", dep.target_groups) is new
    assert dep.resolve(Ref("aws_lb_target_group.b"), dep.target_groups) is new


def test_a_removal_is_seen():
    a = TargetGroup("aws_lb_target_group.a", arn="arn:1")
    dep = Deployment()
    dep.target_groups.append(a)
    assert dep.resolve("arn:1", dep.target_groups) is a
    dep.target_groups.pop()
    assert dep.resolve("arn:1", dep.target_groups) is None


def test_indexes_per_candidate_list_and_attributes():
    tg = TargetGroup("aws_lb_target_group.a", arn="arn:1", name="web")
    secret = Secret("aws_secretsmanager_secret.s", arn="arn:1", name="web")
    dep = Deployment(target_groups=[tg], secrets=[secret])
    assert dep.resolve("arn:1", dep.target_groups) is tg
    assert dep.resolve("arn:1", dep.secrets, ("arn", "name")) is secret
    assert dep.resolve("web", dep.secrets, ("arn", "name")) is secret
    assert dep.resolve("web", dep.target_groups, ("arn", "id")) is None


def test_the_index_is_built_once_while_nothing_changes(monkeypatch):
    from ctj_policy import model_index

    built = []
    real = model_index.CandidateIndex.__init__

    def counting(self, *args):
        built.append(1)
        real(self, *args)

    monkeypatch.setattr(model_index.CandidateIndex, "__init__", counting)
    dep = Deployment()
    for i in range(50):
        dep.target_groups.append(TargetGroup(f"aws_lb_target_group.t[{i}]", arn=f"arn:{i}"))
    for i in range(50):
        assert dep.resolve(f"arn:{i}", dep.target_groups) is dep.target_groups[i]
    assert len(built) == 1


CHANGES = [
    ("append", (9,)), ("extend", ([8, 9],)), ("insert", (0, 9)), ("pop", ()), ("remove", (2,)), ("clear", ()),
    ("sort", ()), ("sort", (), {"key": abs, "reverse": True}), ("reverse", ()), ("__setitem__", (0, 9)), ("__delitem__", (0,)), ("__iadd__", ([9],)), ("__imul__", (2,)),
]


@pytest.mark.parametrize("change", CHANGES, ids=[c[0] + ("(**kwargs)" if len(c) > 2 else "") for c in CHANGES])
def test_every_list_change_moves_the_generation_and_does_the_change(change):
    """ResourceList's methods are made by model._bumping when model.py is imported; made again here, in-process,
    each moves the generation forward (the index rebuilds) and does what list's method does, with its result."""
    from ctj_policy import model

    class Bumping(list):
        pass

    name, args, kwargs = (*change, {})[:3]
    setattr(Bumping, name, model._bumping(name))
    ours, plain = Bumping([3, 1, 2]), [3, 1, 2]
    before = model.generation()
    got = getattr(ours, name)(*args, **kwargs)
    assert model.generation() > before
    assert got == getattr(plain, name)(*args, **kwargs)
    assert list(ours) == plain
