"""Terraform addresses as text (ctj_policy/addresses.py): instance keys and labels."""

from __future__ import annotations

import pytest

from ctj_policy.addresses import address_labels, strip_index, unkeyed


@pytest.mark.parametrize(
    ("address", "stripped"),
    [
        ("aws_ecs_service.this", "aws_ecs_service.this"),
        ("aws_ecs_service.this[0]", "aws_ecs_service.this"),
        ('aws_ecs_service.this["stage"]', "aws_ecs_service.this"),
        ('module.a[0].aws_ecs_service.this["stage"]', "module.a[0].aws_ecs_service.this"),
        ('aws_ecs_service.this["a]b"]', "aws_ecs_service.this"),
        ('module.a["k"].aws_ecs_service.this', 'module.a["k"].aws_ecs_service.this'),
    ],
    ids=["no key", "count index", "for_each key", "only the last key", "a bracket inside the key", "a module key only"],
)
def test_strip_index_drops_the_last_instance_key_only(address, stripped):
    assert strip_index(address) == stripped


@pytest.mark.parametrize(
    ("address", "labels"),
    [
        ("aws_db_instance.this", ["aws_db_instance", "this"]),
        ('module.a["x.y"].aws_db_instance.this[0]', ["module", "a", "aws_db_instance", "this"]),
        ('module.a["k]"].module.b[1].aws_ecs_service.s', ["module", "a", "module", "b", "aws_ecs_service", "s"]),
        ('data.aws_iam_policy_document.p["a\\"b.c"]', ["data", "aws_iam_policy_document", "p"]),
    ],
    ids=["plain", "keys with dots", "a bracket inside a key", "an escaped quote inside a key"],
)
def test_address_labels_drop_every_instance_key(address, labels):
    assert address_labels(address) == labels


@pytest.mark.parametrize(
    ("address", "plain"),
    [
        ('module.a["k"].module.b[0].aws_x.y', "module.a.module.b.aws_x.y"),
        ('module.a["k]"].aws_x.y["a.b"]', "module.a.aws_x.y"),
        ("aws_x.y", "aws_x.y"),
    ],
    ids=["keys of both kinds", "brackets and dots inside keys", "no key"],
)
def test_unkeyed_names_a_block_as_the_configuration_does(address, plain):
    assert unkeyed(address) == plain
