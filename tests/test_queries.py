"""The deployment questions in ctj_policy/queries.py."""

from __future__ import annotations

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Ref, Template, Unknown
from ctj_policy.queries import (
    BACKEND,
    DATABASE,
    FRONTEND,
    admits_port,
    container_role,
    is_official_postgres,
    parse_image,
    path_within,
    pattern_covers,
    same_secret_value,
    secret_key,
    tag_major,
)

from rules.builders import CONFIG, DB_ARN, ECR_BACKEND, SECRET_DB, container, stage1


@pytest.mark.parametrize(
    "image, official, repository, tag, digest",
    [
        ("postgres:18.1", True, "library/postgres", "18.1", None),
        ("postgres", True, "library/postgres", None, None),
        ("docker.io/library/postgres:18@sha256:abc", True, "library/postgres", "18", "sha256:abc"),
        ("docker.io/postgres:18", True, "library/postgres", "18", None),
        ("public.ecr.aws/docker/library/postgres:18-alpine", True, "docker/library/postgres", "18-alpine", None),
        ("bitnami/postgresql:18", False, "bitnami/postgresql", "18", None),
        ("localhost:5000/postgres:18", False, "postgres", "18", None),
        ("123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage", False, "civic-tech-jobs-backend", "stage", None),
    ],
    ids=lambda v: str(v),
)
def test_parse_image(image, official, repository, tag, digest):
    img = parse_image(image)
    assert (is_official_postgres(img, CONFIG), img.repository, img.tag, img.digest) == (official, repository, tag, digest)


def test_parse_image_from_ecr_ref():
    dep = stage1(True)
    img = parse_image(Template((Ref(ECR_BACKEND, "repository_url"), ":stage")), dep)
    assert (img.repository, img.tag, img.is_ecr, img.ecr.address) == ("civic-tech-jobs-backend", "stage", True, ECR_BACKEND)
    assert not parse_image(Template((Ref("module.x", "url"), ":stage")), dep).decided
    assert parse_image(Template(("postgres:", Unknown(KNOWN_AFTER_APPLY, "v"))), dep).repository == "library/postgres"


@pytest.mark.parametrize("tag, major", [("18", 18), ("18.1", 18), ("18.1-bookworm", 18), ("18-alpine", 18), ("17", 17), ("latest", None), ("alpine", None), (None, None)])
def test_tag_major(tag, major):
    assert tag_major(tag) == major


@pytest.mark.parametrize(
    "name, image, role",
    [
        ("x", "postgres:18", DATABASE),
        ("django", "postgres:18", DATABASE),  # the image decides
        ("x", "123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-frontend:stage", FRONTEND),
        ("API", "python:3.12", BACKEND),  # the image does not decide: the name does
        ("web", Unknown(KNOWN_AFTER_APPLY, "img"), FRONTEND),
        ("sidecar", "nginx", None),
    ],
)
def test_container_role(name, image, role):
    from dataclasses import replace

    dep = stage1()
    c = replace(container(dep, "django"), name=name, image=image)
    assert container_role(c, dep, CONFIG) == role


def test_container_role_unknown():
    dep = stage1()
    from dataclasses import replace

    c = replace(container(dep, "django"), name="c1", image=Unknown(KNOWN_AFTER_APPLY, "img"))
    assert isinstance(container_role(c, dep, CONFIG), Unknown)


@pytest.mark.parametrize(
    "protocol, lo, hi, admits",
    [
        ("tcp", 5432, 5432, True),
        ("tcp", 5000, 6000, True),
        ("tcp", 0, 65535, True),
        ("6", 5432, 5432, True),
        ("-1", 0, 0, True),
        (-1, None, None, True),
        ("all", None, None, True),
        ("tcp", 8000, 8000, False),
        ("udp", 0, 65535, False),
        ("icmp", -1, -1, False),
        ("tcp", Unknown(KNOWN_AFTER_APPLY), 6000, None),
        (Ref("var", "proto"), 0, 0, None),
    ],
)
def test_admits_port(protocol, lo, hi, admits):
    assert admits_port(protocol, lo, hi, 5432) is admits


@pytest.mark.parametrize(
    "pattern, target, covers",
    [("/api/*", "/api/*", True), ("/api*", "/api/*", True), ("/*", "/api/*", True), ("*", "/admin/*", True), ("/api/v1/*", "/api/*", False), ("/ap?/*", "/api/*", False), ("/admin", "/admin/*", False)],
)
def test_pattern_covers(pattern, target, covers):
    assert pattern_covers(pattern, target) is covers


@pytest.mark.parametrize("path, base, inside", [("/var/lib/postgresql/data", "/var/lib/postgresql", True), ("/var/lib/postgresql/data/", "/var/lib/postgresql/data", True), ("/var/lib/postgresql-x", "/var/lib/postgresql", False), ("/x", "/", True)])
def test_path_within(path, base, inside):
    assert path_within(path, base) is inside


def test_secret_key_and_comparison():
    dep = stage1()
    assert secret_key(f"{DB_ARN}:password::").json_key == "password"
    assert secret_key(f"{DB_ARN}").json_key == ""
    assert same_secret_value(dep, f"{DB_ARN}:password::", f"{DB_ARN}:password") is True
    assert same_secret_value(dep, f"{DB_ARN}:password::", f"{DB_ARN}:username::") is False
    ref = Template((Ref(SECRET_DB, "arn"), ":password::"))
    assert same_secret_value(dep, ref, f"{DB_ARN}:password::") is True  # the Ref names the secret whose arn that is
    assert same_secret_value(stage1(True), ref, ref) is True
    assert same_secret_value(stage1(True), ref, Ref("module.db", "owner_password_arn")) is None
