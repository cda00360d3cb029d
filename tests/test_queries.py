"""The deployment questions in ctj_policy/queries/."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    UNRESOLVED,
    Deployment,
    DockerVolumeConfig,
    EnvVar,
    PortMapping,
    Ref,
    Template,
    UnevaluatedModule,
    Unknown,
    Volume,
    same_value,
)
from ctj_policy.queries import (
    BACKEND,
    DATABASE,
    FRONTEND,
    admits_port,
    container_role,
    is_official_postgres,
    mounts_of,
    names_target_group,
    norm_path,
    parse_image,
    path_within,
    pattern_covers,
    resolve_target_group,
    same_secret_value,
    secret_key,
    tag_major,
    unevaluated_deploying,
    volume_persistence,
)
from rules.builders import (
    CONFIG,
    DB_ARN,
    ECR_BACKEND,
    REGISTRY,
    SCOPE,
    SECRET_DB,
    TG_ARN,
    TG_BACKEND,
    container,
    renamed,
    stage1,
)


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


DIGEST = "sha256:" + "0123456789abcdef" * 4
AFTER_APPLY_TAG = Unknown(KNOWN_AFTER_APPLY, "var.image_tag")


@pytest.mark.parametrize(
    "tail, tag, digest",
    [
        ((":stage",), "stage", None),
        ((":", "stage"), "stage", None),  # a template's literal text in pieces
        ((f":stage@{DIGEST}",), "stage", DIGEST),
        ((f"@{DIGEST}",), None, DIGEST),  # pinned by digest only: no tag
        ((), None, None),
        ((":", AFTER_APPLY_TAG), AFTER_APPLY_TAG, None),
        # not a valid reference (a digest holds no "@"): everything after the first "@" is the digest, no crash
        ((f":stage@{DIGEST}@{DIGEST}",), "stage", f"{DIGEST}@{DIGEST}"),
    ],
    ids=lambda v: repr(v),
)
def test_tag_and_digest_after_an_ecr_repository_url(tail, tag, digest):
    """``${aws_ecr_repository.x.repository_url}:tag@sha256:...``: the text after the reference."""
    img = parse_image(Template((Ref(ECR_BACKEND, "repository_url"), *tail)), stage1(True))
    assert (img.repository, img.tag, img.digest) == ("civic-tech-jobs-backend", tag, digest)


def test_a_literal_reference_with_two_digests_splits_at_the_first_at_sign():
    img = parse_image(f"123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage@{DIGEST}@{DIGEST}")
    assert (img.repository, img.tag, img.digest) == ("civic-tech-jobs-backend", "stage", f"{DIGEST}@{DIGEST}")


# ---- exact parse results (issue 14: every field, for each shape of image value) ----

PG_DIGEST_REF = f"docker.io/library/postgres:18@{DIGEST}"
ECR_URL = Ref(ECR_BACKEND, "repository_url")


@pytest.mark.parametrize(
    "image, registry, repository, tag, digest, missing",
    [
        ("postgres:18.1", None, "library/postgres", "18.1", None, None),
        (PG_DIGEST_REF, None, "library/postgres", "18", DIGEST, None),
        ("public.ecr.aws/docker/library/postgres:18", "public.ecr.aws", "docker/library/postgres", "18", None, None),
        ("123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-backend:stage",
         "123456789012.dkr.ecr.us-west-2.amazonaws.com", "civic-tech-jobs-backend", "stage", None, None),
        # a registry is the first segment when it has a dot, a port or is localhost; a port is no tag
        ("localhost/postgres:18", "localhost", "postgres", "18", None, None),
        ("localhost:5000/ctj/backend", "localhost:5000", "ctj/backend", None, None, None),
        # an ECR repository's repository_url, alone or with a tag
        (ECR_URL, "ecr", "civic-tech-jobs-backend", None, None, None),
        (Template((ECR_URL, ":stage")), "ecr", "civic-tech-jobs-backend", "stage", None, None),
        (Ref("module.x", "url"), None, None, None, None, Ref("module.x", "url")),
        (Template((Ref("module.x", "url"), ":stage")), None, None, None, None, Ref("module.x", "url")),
        # literal repository text, then a part known only after apply
        (Template(("postgres:", AFTER_APPLY_TAG)), None, "library/postgres", AFTER_APPLY_TAG, None, None),
        (Template(("postgres@", AFTER_APPLY_TAG)), None, "library/postgres", None, AFTER_APPLY_TAG, None),
        (Template(("docker.io/library/postgres:18@", AFTER_APPLY_TAG)), None, "library/postgres", "18", AFTER_APPLY_TAG, None),
        (Template(("docker.io/library/postgres:18@sha256:", AFTER_APPLY_TAG)), None, "library/postgres", "18", AFTER_APPLY_TAG, None),
        (Template(("localhost:5000/ctj/backend@", AFTER_APPLY_TAG)), "localhost:5000", "ctj/backend", None, AFTER_APPLY_TAG, None),
        # as for a literal reference, the digest starts at the first "@"
        (Template((f"postgres:18@{DIGEST}@", AFTER_APPLY_TAG)), None, "library/postgres", "18", AFTER_APPLY_TAG, None),
        # the unknown part is inside the repository path (the port's colon is no tag): undecided
        (Template(("localhost:5000/ctj-", AFTER_APPLY_TAG)), None, None, None, None, AFTER_APPLY_TAG),
        (Template((AFTER_APPLY_TAG, ":stage")), None, None, None, None, AFTER_APPLY_TAG),
        (Template(()), None, None, None, None, None),  # nothing at all: undecided, no crash
        (AFTER_APPLY_TAG, None, None, None, None, AFTER_APPLY_TAG),
        (None, None, None, None, None, Unknown(UNRESOLVED, "image")),
    ],
    ids=lambda v: repr(v),
)
def test_parse_image_gives_every_field(image, registry, repository, tag, digest, missing):
    img = parse_image(image, stage1(True))
    assert img.raw is image
    assert (img.registry, img.repository, img.tag, img.digest, img.missing) == (registry, repository, tag, digest, missing)


@pytest.mark.parametrize("image", ["", f"@{DIGEST}", Template(("@sha256:", AFTER_APPLY_TAG))], ids=repr)
def test_a_reference_without_a_repository_names_none(image):
    assert parse_image(image).repository is None


def test_an_undecided_image_is_not_the_official_postgres_image():
    assert is_official_postgres(parse_image(AFTER_APPLY_TAG), CONFIG) is False


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
        ("sidecar", "nginx", BACKEND),  # the django container's port 8000 and SQL_*/DJANGO_* variables decide
    ],
)
def test_container_role(name, image, role):
    from dataclasses import replace

    dep = stage1()
    c = replace(container(dep, "django"), name=name, image=image)
    assert container_role(c, dep, CONFIG) == role


NO_EVIDENCE = {"port_mappings": (), "environment": (), "secrets": (), "command": (), "health_check": None}


def _vars(*names):
    return tuple(EnvVar(n, "x") for n in names)


@pytest.mark.parametrize(
    "name, image, fields, role, evidence",
    [
        # today's legacy fullstack container: its name tells nothing, its port and variables do
        ("civic-tech-jobs-fs-stage", "123456789012.dkr.ecr.us-west-2.amazonaws.com/civic-tech-jobs-fullstack:stage",
         {"port_mappings": (PortMapping(8000),), "environment": _vars("SQL_HOST", "SQL_PORT", "DJANGO_ALLOWED_HOSTS", "SECRET_KEY")},
         BACKEND, "backend by port 8000, DJANGO_ALLOWED_HOSTS and SQL_* variables"),
        ("app", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(3000),)}, FRONTEND, "frontend by port 3000"),
        ("app", "ghcr.io/x/app:1", {"environment": _vars("NEXT_TELEMETRY_DISABLED", "NODE_ENV")}, FRONTEND, "frontend by NEXT_TELEMETRY_DISABLED and NODE_ENV"),
        ("app", "ghcr.io/x/app:1", {"command": ("npx", "next", "start")}, FRONTEND, "frontend by command 'next'"),
        ("app", "ghcr.io/x/app:1", {"command": ("gunicorn", "app.wsgi")}, BACKEND, "backend by command 'gunicorn'"),
        ("app", "ghcr.io/x/app:1", {"command": ("python", "manage.py", "runserver")}, BACKEND, "backend by command 'manage.py'"),
        ("store", "bitnami/postgresql:16", {"environment": _vars("POSTGRES_USER", "PGDATA")}, DATABASE, "database by POSTGRES_USER, PGDATA and image 'postgresql'"),
        ("store", "ghcr.io/x/pg:1", {"port_mappings": (PortMapping(5432),)}, DATABASE, "database by port 5432"),
        ("store", "ghcr.io/x/pg:1", {"health_check": {"command": ["CMD-SHELL", "pg_isready -U ctj"]}}, DATABASE, "database by health check 'pg_isready'"),
        # a name alone decides nothing: a role word in a name or image needs strong evidence beside it
        ("my-api-worker", "busybox", {}, None, ""),
        ("ctj-django-stage", "node:22", {}, None, ""),
        ("ctj-django-stage", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(8000),)}, BACKEND, "backend by port 8000 and name containing 'django'"),
        # conflicting evidence of equal weight: no role
        ("app", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(8000),), "environment": _vars("NODE_ENV")}, None, ""),
        # the image still ranks first
        ("x", "postgres:18", {"port_mappings": (PortMapping(8000),), "environment": _vars("SQL_HOST")}, DATABASE, ""),
        # a default role name is evidence, weighed: "web" on 8000 with SQL_* is the backend (port and variables
        # outweigh the name); against one piece of evidence the name breaks the tie; alone, it decides
        ("web", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(8000),), "environment": _vars("SQL_HOST")}, BACKEND,
         "backend by port 8000 and SQL_HOST"),
        ("web", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(8000),)}, FRONTEND, "frontend by name 'web'"),
        ("web", "ghcr.io/x/app:1", {}, FRONTEND, "frontend by name 'web'"),
        # the command: a string too, a program by its path, the postgres entrypoint inside a shell command
        ("app", "ghcr.io/x/app:1", {"command": "gunicorn config.wsgi:application"}, BACKEND, "backend by command 'gunicorn'"),
        ("app", "ghcr.io/x/app:1", {"command": ("/usr/local/bin/gunicorn", "config.wsgi")}, BACKEND, "backend by command 'gunicorn'"),
        ("store", "ghcr.io/x/pg:1", {"command": 'sh -c "docker-entrypoint.sh postgres"'}, DATABASE,
         "database by command 'docker-entrypoint.sh postgres'"),
        # a command or health check known only after apply is no evidence (and no crash): the port decides
        ("app", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(3000),), "command": Unknown(KNOWN_AFTER_APPLY, "var.command"),
                                    "health_check": {"command": Unknown(KNOWN_AFTER_APPLY, "var.hc")}}, FRONTEND, "frontend by port 3000"),
        # role words in a name: between dots, and a word of 4 letters or more inside a longer one
        ("ctj.api.stage", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(8000),)}, BACKEND, "backend by port 8000 and name containing 'api'"),
        ("ctj-nextapp", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(3000),)}, FRONTEND, "frontend by port 3000 and name containing 'next'"),
        # the image's role word is its last path segment's
        ("store", "ghcr.io/acme/images/postgresql:16", {"environment": _vars("POSTGRES_USER")}, DATABASE, "database by POSTGRES_USER and image 'postgresql'"),
        ("app", "node:22", {"command": ("node", "server.js")}, FRONTEND, "frontend by command 'node' and image 'node'"),
        # each kind of evidence counts once: the variables of two prefixes are one piece against port 3000 (a tie)...
        ("app", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(3000),), "environment": _vars("SQL_HOST", "DJANGO_SETTINGS_MODULE")}, None, ""),
        # ... and the variables, the command, the health check and a name are different kinds
        ("app", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(3000),), "environment": _vars("SQL_HOST"), "command": ("gunicorn", "config.wsgi")},
         BACKEND, "backend by SQL_HOST and command 'gunicorn'"),
        ("store", "ghcr.io/x/pg:1", {"port_mappings": (PortMapping(8000),), "environment": _vars("POSTGRES_USER"),
                                     "health_check": {"command": ["CMD-SHELL", "pg_isready -U ctj"]}}, DATABASE,
         "database by POSTGRES_USER and health check 'pg_isready'"),
        ("ctj-django-stage", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(3000),), "environment": _vars("SQL_HOST")}, BACKEND,
         "backend by SQL_HOST and name containing 'django'"),
        ("web", "ghcr.io/x/app:1", {"port_mappings": (PortMapping(8000),), "environment": _vars("NODE_ENV"), "command": ("gunicorn", "config.wsgi")},
         FRONTEND, "frontend by NODE_ENV and name 'web'"),
    ],
)
def test_container_role_by_evidence(name, image, fields, role, evidence):
    from dataclasses import replace

    from ctj_policy.queries import role_evidence

    dep = stage1()
    c = replace(container(dep, "django"), name=name, image=image, **{**NO_EVIDENCE, **fields})
    assert container_role(c, dep, CONFIG) == role
    assert role_evidence(c, dep, CONFIG) == evidence



def test_role_evidence_of_an_image_from_another_ecr_repository_in_scope():
    """The deployment decides the image: an ECR repository in scope that is neither CTJ repository leaves the role
    to the evidence (read without the deployment, the image would stay undecided and say nothing)."""
    from dataclasses import replace

    from ctj_policy.model import EcrRepository
    from ctj_policy.queries import role_evidence

    dep = stage1()
    repo = f"{SCOPE}.aws_ecr_repository.api"
    dep.ecr_repositories.append(EcrRepository(repo, name="ctj-api", repository_url=Ref(repo, "repository_url")))
    c = replace(container(dep, "django"), name="app", image=Template((Ref(repo, "repository_url"), ":stage")),
                **{**NO_EVIDENCE, "port_mappings": (PortMapping(8000),), "environment": _vars("SQL_HOST")})
    assert container_role(c, dep, CONFIG) == BACKEND
    assert role_evidence(c, dep, CONFIG) == "backend by port 8000, SQL_HOST and image 'ctj-api'"  # the repository's name, read from the deployment


@pytest.mark.parametrize(
    ("value", "is_arn"),
    [
        (Ref(SECRET_DB, "arn"), True),
        (Ref(f"{SCOPE}.aws_lb_listener.http", "default_action[0].forward[0].target_group[0].arn"), True),  # a nested block's arn
        (Ref(SECRET_DB), False),  # the whole resource
        (Ref(SECRET_DB, "name"), False),
        (Ref(SECRET_DB, "key_arn"), False),
        (Ref(f"{SCOPE}.module.db", "arn"), False),  # a module output: no resource type
        (Template((Ref(SECRET_DB, "arn"), ":password::")), False),  # built from an ARN, not exactly one
        ("arn:aws:secretsmanager:us-west-2:123456789012:secret:db", False),
    ],
)
def test_arn_source(value, is_arn):
    from ctj_policy.queries.provenance import arn_source

    assert arn_source(value) is (value if is_arn else None)


@pytest.mark.parametrize(
    "role, evidence, text",
    [
        (BACKEND, ("port 8000",), "backend by port 8000"),
        (BACKEND, ("port 8000", "SQL_HOST"), "backend by port 8000 and SQL_HOST"),
        (BACKEND, ("port 8000", "SQL_HOST", "command 'gunicorn'"), "backend by port 8000, SQL_HOST and command 'gunicorn'"),
        (BACKEND, (), ""),  # nothing to show
        (None, ("port 8000",), ""),  # no role
        (Unknown(KNOWN_AFTER_APPLY, "img"), ("port 8000",), ""),
    ],
)
def test_role_decision_describe(role, evidence, text):
    from ctj_policy.queries.roles import RoleDecision

    assert RoleDecision(role, evidence).describe() == text


def test_configured_role_names_override_evidence():
    from dataclasses import replace

    dep = stage1()
    c = replace(container(dep, "django"), name="gunicorn", image="python:3.12", **{**NO_EVIDENCE, "port_mappings": (PortMapping(3000),)})
    assert container_role(c, dep, CONFIG) == FRONTEND
    assert container_role(c, dep, replace(CONFIG, backend_names=("gunicorn",))) == BACKEND


def test_evidence_does_not_decide_against_an_image_not_yet_known():
    from dataclasses import replace

    dep = stage1()
    c = replace(container(dep, "django"), name="c1", image=Unknown(KNOWN_AFTER_APPLY, "img"))  # port 8000, SQL_*: still unknown
    assert isinstance(container_role(c, dep, CONFIG), Unknown)


def test_container_role_unknown():
    dep = stage1()
    from dataclasses import replace

    c = replace(container(dep, "django"), name="c1", image=Unknown(KNOWN_AFTER_APPLY, "img"))
    assert isinstance(container_role(c, dep, CONFIG), Unknown)


# ---- classify: the exact decision and its evidence ----

APP_NO_EVIDENCE = {**NO_EVIDENCE, "image": "ghcr.io/x/app:1"}
ROLE_NOT_KNOWN = Unknown(UNRESOLVED, "role of container 'app'", "its ports or variables are not known")


@pytest.mark.parametrize(
    "name, fields, role, evidence",
    [
        ("app", {"image": "postgres:18.1"}, DATABASE, ("the official postgres image",)),
        ("app", {"image": f"{REGISTRY}/civic-tech-jobs-backend:stage"}, BACKEND, ("its image from 'civic-tech-jobs-backend'",)),
        ("app", {"image": f"{REGISTRY}/civic-tech-jobs-frontend:stage"}, FRONTEND, ("its image from 'civic-tech-jobs-frontend'",)),
        ("web", {"image": AFTER_APPLY_TAG}, FRONTEND, ("its name 'web'",)),  # with the image unknown a name is all there is
        # what could decide is not known: the variables, or the ports
        ("app", {**APP_NO_EVIDENCE, "environment": Unknown(KNOWN_AFTER_APPLY, "var.env")}, ROLE_NOT_KNOWN, ()),
        ("app", {**APP_NO_EVIDENCE, "port_mappings": Unknown(KNOWN_AFTER_APPLY, "var.ports")}, ROLE_NOT_KNOWN, ()),
        ("app", APP_NO_EVIDENCE, None, ()),
        # an image value with no part at all: the image itself is what is missing
        ("app", {"image": Template(())}, Unknown(UNRESOLVED, "image of container 'app'", " does not name an ECR repository in scope"), ()),
    ],
    ids=lambda v: repr(v),
)
def test_classify_gives_the_role_and_its_evidence(name, fields, role, evidence):
    from dataclasses import replace

    from ctj_policy.queries.roles import RoleDecision, classify

    dep = stage1()
    c = replace(container(dep, "django"), name=name, **fields)
    assert classify(c, dep, CONFIG) == RoleDecision(role, evidence)


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
    [
        ("/api/*", "/api/*", True),
        ("/api*", "/api/*", True),
        ("/*", "/api/*", True),
        ("*", "/admin/*", True),
        ("/api/*", "/api/v1/users", True),
        ("/api/XML/*", "/api/XML/feed", True),
        ("/api/v1/*", "/api/*", False),
        ("/api/*", "/api-docs/*", False),
        ("/api/*", "/api", False),  # "/api" itself does not match "/api/*"
        ("/admin", "/admin/*", False),
        ("/API/*", "/api/*", False),  # ALB path patterns are case-sensitive
        # wildcards inside the pattern: "?" takes one character (or a "?" of the target), "*" any run
        ("/ap?/*", "/ap?/v1/*", True),
        ("/api/**", "/api/*", True),
        ("/ap?/*", "/api/*", True),
        ("/??i/*", "/api/*", True),
        ("/a*i/*", "/api/*", True),
        ("/*/users", "/api/users", True),
        ("/api/*", "/api/?", True),
        ("/api/?", "/api/*", False),  # "/api/" and "/api/v1" match the target, not the pattern
        ("/a?/*", "/api/*", False),
        ("/ap?/*", "/a*/*", False),
        ("?*", "*?", True),  # a run of wildcards is its "?"s and one "*", in any order
        ("/api/*?", "/api/?*", True),
    ],
)
def test_pattern_covers(pattern, target, covers):
    assert pattern_covers(pattern, target) is covers


@pytest.mark.parametrize(
    ("pattern", "catch_all"),
    [("/*", True), ("*", True), ("/**", True), ("*/*", True), ("/?*", False), ("/", False), ("/api/*", False), ("", False)],
)
def test_a_catch_all_pattern_matches_every_path(pattern, catch_all):
    from ctj_policy.queries import is_catch_all_pattern

    assert is_catch_all_pattern(pattern) is catch_all


def _language(pattern, strings):
    import re

    rx = re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern), re.S)
    return frozenset(x for x in strings if rx.fullmatch(x))


def test_pattern_covers_agrees_with_the_paths_both_match():
    """Every pair of patterns of up to three pieces over "a", "b", "?" and "*", against the strings of up to six
    characters over "a", "b" and "c" (a character no pattern names): never a cover that is not one (sound); every
    cover found when the target has no "*" or only a last one (as /api/* and /admin/* have)."""
    from itertools import product

    patterns = ["".join(p) for n in range(4) for p in product("ab?*", repeat=n)]
    strings = ["".join(x) for n in range(7) for x in product("abc", repeat=n)]
    matched = {p: _language(p, strings) for p in patterns}
    wrong, missed = [], []
    for pattern, target in product(patterns, repeat=2):
        truth = matched[target] <= matched[pattern]
        got = pattern_covers(pattern, target)
        if got and not truth:
            wrong.append((pattern, target))
        if truth and not got and "*" not in target[:-1]:
            missed.append((pattern, target))
    assert (wrong, missed) == ([], [])


@pytest.mark.parametrize(
    "path, base, inside",
    [
        ("/var/lib/postgresql/data", "/var/lib/postgresql", True),
        ("/var/lib/postgresql/data/", "/var/lib/postgresql/data", True),
        ("/var/lib/postgresql-x", "/var/lib/postgresql", False),
        ("/var/lib/postgresql", "/var/lib/postgresql/data", False),
        ("/x", "/", True),
        ("/mnt/data", "/mnt/X", False),
        ("/mnt/X/data", "/mnt/X", True),
        ("//var/lib/postgresql/data", "/var/lib/postgresql/data", True),
        ("/var/lib/postgresql/data", "//var/lib/postgresql", True),
    ],
)
def test_path_within(path, base, inside):
    assert path_within(path, base) is inside


@pytest.mark.parametrize(
    "path, norm",
    [
        ("/", "/"),
        ("//", "/"),
        ("///", "/"),
        ("/var/lib/postgresql/data/", "/var/lib/postgresql/data"),
        ("/var/lib/./postgresql//data", "/var/lib/postgresql/data"),
        ("/var/lib/postgresql/18/../data", "/var/lib/postgresql/data"),
        ("//var/lib/postgresql/data", "/var/lib/postgresql/data"),  # normpath keeps two leading slashes; Linux does not
    ],
)
def test_norm_path(path, norm):
    assert norm_path(path) == norm


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


SM = "arn:aws:secretsmanager:us-west-2:123456789012:secret:civic-tech-jobs/stage/db-AbCdEf"
SSM = "arn:aws:ssm:us-west-2:123456789012:parameter/civic-tech-jobs/stage/SQL_PASSWORD"
VERSION_ID = "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1"


@pytest.mark.parametrize(
    "value_from, secret, key, stage, version",
    [
        (SM, SM, "", "", ""),
        (f"{SM}:password::", SM, "password", "", ""),
        (f"{SM}:password", SM, "password", "", ""),
        (f"{SM}:password:AWSPREVIOUS:", SM, "password", "AWSPREVIOUS", ""),
        (f"{SM}::AWSPENDING:", SM, "", "AWSPENDING", ""),
        (f"{SM}:password::{VERSION_ID}", SM, "password", "", VERSION_ID),
        (SSM, SSM, "", "", ""),  # an SSM parameter has no JSON key or version
        ("civic-tech-jobs/stage/db", "civic-tech-jobs/stage/db", "", "", ""),  # a secret's name
        # not an ARN (ARNs are case-sensitive and start "arn:"): taken whole, however it is shaped
        (f"ARN{SM[3:]}:password::", f"ARN{SM[3:]}:password::", "", "", ""),
        (Template((Ref(SECRET_DB, "arn"), ":password:AWSPREVIOUS:")), Ref(SECRET_DB, "arn"), "password", "AWSPREVIOUS", ""),
        (Template((Ref(SECRET_DB, "arn"),)), Ref(SECRET_DB, "arn"), "", "", ""),
        # the literal text in pieces (the Checkov adapter keeps an expression that evaluated to text as a piece)
        (Template((Ref(SECRET_DB, "arn"), ":password", ":AWSPREVIOUS:")), Ref(SECRET_DB, "arn"), "password", "AWSPREVIOUS", ""),
        # literal text only, in pieces (an interpolation of constants): read as that text
        (Template((SM, ":password:AWSPREVIOUS:")), SM, "password", "AWSPREVIOUS", ""),
        (Template((SSM,)), SSM, "", "", ""),
        # the key known only after apply: the reference is taken whole
        (Template((Ref(SECRET_DB, "arn"), Ref("var.key_suffix"))), Template((Ref(SECRET_DB, "arn"), Ref("var.key_suffix"))), "", "", ""),
        (Template((Ref(SECRET_DB, "arn"), ":", Ref("var.key"), "::")), Template((Ref(SECRET_DB, "arn"), ":", Ref("var.key"), "::")), "", "", ""),
        (Template((Ref(SECRET_DB, "arn"), "-password")), Template((Ref(SECRET_DB, "arn"), "-password")), "", "", ""),
    ],
    ids=lambda v: repr(v)[:60],
)
def test_secret_key_splits_a_value_from(value_from, secret, key, stage, version):
    k = secret_key(value_from)
    assert (k.secret, k.json_key, k.version_stage, k.version_id) == (secret, key, stage, version)


@pytest.mark.parametrize(
    "a, b, same",
    [
        (":password::", ":password:AWSPREVIOUS:", False),  # another version of the secret is another value
        (":password::", ":password:AWSCURRENT:", True),  # no stage reads AWSCURRENT
        (":password:AWSPENDING:", ":password:AWSPENDING:", True),
        (":password::v1", ":password::v1", True),
        (":password::v1", ":password::v2", False),
        (":password::v1", ":password::", None),  # which stage version v1 holds is not in the plan
    ],
)
def test_same_secret_value_compares_the_version(a, b, same):
    assert same_secret_value(stage1(), DB_ARN + a, DB_ARN + b) is same


@pytest.mark.parametrize("other", ["x", 1, None, Ref("a.b", "c"), Template(("x",)), Unknown(KNOWN_AFTER_APPLY)])
def test_same_value_with_an_unknown_is_never_true(other):
    u = Unknown(KNOWN_AFTER_APPLY, "x")
    assert same_value(u, other) is None and same_value(other, u) is None


@pytest.mark.parametrize(
    "ref, is_tg",
    [
        (Ref("aws_lb_target_group.web", "arn"), True),
        (Ref("module.a.module.b.aws_alb_target_group.web[0]", "arn"), True),
        (Ref('aws_lb_target_group.this["web"]', "arn"), True),
        (Ref("data.aws_lb_target_group.web", "arn"), False),
        (Ref("module.a.data.aws_lb_target_group.web", "arn"), False),
        (Ref("module.target_group", "arn"), False),
        (Ref("aws_lb.main", "arn"), False),
    ],
)
def test_names_target_group(ref, is_tg):
    assert names_target_group(ref) is is_tg


def test_resolve_target_group_unknown_unless_decided():
    dep = stage1(True)
    assert resolve_target_group(dep, Ref(TG_BACKEND, "arn")).address == TG_BACKEND
    assert resolve_target_group(dep, Ref("aws_lb_target_group.elsewhere", "arn")) is None
    assert isinstance(resolve_target_group(dep, Ref("data.aws_lb_target_group.web", "arn")), Unknown)
    assert isinstance(resolve_target_group(dep, Unknown(KNOWN_AFTER_APPLY)), Unknown)


@pytest.mark.parametrize(
    "volume, launch, persists",
    [
        (Volume("v", docker=DockerVolumeConfig()), "EC2", False),  # AWS's default scope is "task"
        (Volume("v", docker=DockerVolumeConfig(scope="task")), "EC2", False),
        (Volume("v", docker=DockerVolumeConfig(scope="shared")), "EC2", True),
        (Volume("v", docker=DockerVolumeConfig(scope="shared")), "FARGATE", False),
        (Volume("v", docker=DockerVolumeConfig(scope=Unknown(KNOWN_AFTER_APPLY))), "EC2", None),
        (Volume("v", host_path="/data"), "EC2", True),
        (Volume("v", host_path="/data"), Unknown(KNOWN_AFTER_APPLY), None),
        (Volume("v"), "FARGATE", False),
        (Volume("v", configure_at_launch=True), "EC2", False),
    ],
)
def test_volume_persistence(volume, launch, persists):
    assert volume_persistence(volume, launch)[0] is persists


def test_mounts_of_names_the_volume_each_mount_uses():
    from rules.builders import task

    dep = stage1()
    t = task(dep)
    (info,) = mounts_of(t, container(dep, "postgres"), "EC2")
    assert (info.volume, info.persistent) == (t.volumes[0], True)
    assert info.volume.name == "pgdata" and info.mount.container_path == "/var/lib/postgresql/data"


@pytest.mark.subprocess
def test_queries_import_only_the_standard_library_and_the_model():
    """queries sit just above the model: no third-party package, no loader, rule, engine or reporter."""
    import subprocess
    import sys

    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in ("click", "jsonschema", "hcl2", "lark", "yaml", "checkov"))
    code = (
        f"import sys; {blocked}; import ctj_policy.queries; "
        "bad = sorted(m for m in sys.modules if m.startswith(('ctj_policy.loaders', 'ctj_policy.rules', 'ctj_policy.engine', "
        "'ctj_policy.reporters', 'ctj_policy.cli'))); print(bad)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# --------------------------------------------------------------------------
# which target group is the backend's / frontend's: by what is deployed, never by a name
# --------------------------------------------------------------------------


def _tgs(dep, **changes):
    """Rename/re-port the two target groups: changes = {"backend": (address tail, name, port), ...}."""
    from rules.builders import SVC, TG_FRONTEND, tg

    for role, address in (("backend", TG_BACKEND), ("frontend", TG_FRONTEND)):
        if role in changes:
            tail, name, port = changes[role]
            t = tg(dep, address)
            t.address, t.name, t.port = f"{SVC}.aws_lb_target_group.{tail}", name, port
    return dep


def _no_service(dep):
    dep.services = []
    return dep


def _no_rules(dep):
    dep.listener_rules = []
    return dep


def _symbolic_lb_names(dep):
    from ctj_policy.model import LoadBalancerAttachment

    svc = dep.services[0]
    svc.load_balancers = tuple(LoadBalancerAttachment(lb.target_group, Unknown(KNOWN_AFTER_APPLY, "var.name"), lb.container_port) for lb in svc.load_balancers)
    return dep


def _lb_port(dep, port):
    from dataclasses import replace

    svc = dep.services[0]
    svc.load_balancers = tuple(replace(lb, container_port=port) for lb in svc.load_balancers)
    return dep


@pytest.mark.parametrize(
    "mutate, backend, frontend, evidence",
    [
        (lambda d: d, "backend", "frontend", "attaches the backend container 'django' to it"),
        # the service wires "web" to Django and "api" to Next.js: the names decide nothing
        (lambda d: _tgs(d, backend=("web", "web", 80), frontend=("api", "api", 80)), "web", "api", "attaches the backend container 'django' to it"),
        (lambda d: _tgs(d, backend=("nextjs", "ctj-nextjs", 8000), frontend=("django", "ctj-django", 3000)), "nextjs", "django", "attaches"),
        # the container a load_balancer block names by port when its name is not known
        (lambda d: _tgs(_symbolic_lb_names(d), backend=("web", "web", 80), frontend=("api", "api", 80)), "web", "api", "attaches"),
        # ... and no container when none exposes it (the listener rules decide then)
        (lambda d: _tgs(_lb_port(_symbolic_lb_names(d), 9000), backend=("web", "web", 80), frontend=("api", "api", 80)), "web", "api",
         "forwards /api/* to it"),
        # no service: the port, then the rules' paths; never the names
        (lambda d: _tgs(_no_service(d), backend=("web", "nextjs", 8000), frontend=("api", "django", 3000)), "web", "api", "its port 8000, the backend's"),
        (lambda d: _tgs(_no_service(d), backend=("web", "nextjs", 80), frontend=("api", "django", 80)), "web", "api", "forwards /api/* to it"),
        (lambda d: _tgs(_no_rules(_no_service(d)), backend=("a", "django", 80), frontend=("b", "nextjs", 80)), None, None, ""),
        (lambda d: _tgs(_no_rules(_no_service(d)), backend=("django", "ctj-stage-django", 80), frontend=("nextjs", "ctj-stage-nextjs", 80)), None, None, ""),
    ],
)
def test_target_group_roles_by_evidence(mutate, backend, frontend, evidence):
    from ctj_policy.queries import target_group_for_role

    dep = mutate(stage1())
    found = {role: target_group_for_role(dep, CONFIG, role) for role in (BACKEND, FRONTEND)}
    got = {role: (f.target_group.address.rsplit(".", 1)[-1] if f.target_group is not None else None) for role, f in found.items()}
    assert got == {BACKEND: backend, FRONTEND: frontend}
    assert evidence in found[BACKEND].evidence


def test_a_target_group_the_service_gives_one_role_is_never_the_others():
    """Django is wired to the only 3000-port target group; nothing wires Next.js: there is no frontend target
    group (the port of the backend's cannot make it the frontend's too)."""
    from ctj_policy.model import LoadBalancerAttachment
    from ctj_policy.queries import role_target_group

    dep = _tgs(stage1(), backend=("a", "x", 3000), frontend=("b", "y", 80))
    backend_tg = dep.target_groups[0]
    dep.services[0].load_balancers = (LoadBalancerAttachment(backend_tg.arn, "django", 8000),)
    dep.listener_rules = []
    assert role_target_group(dep, CONFIG, BACKEND) is backend_tg
    assert role_target_group(dep, CONFIG, FRONTEND) is None


EXPLAIN = [
    pytest.param(Unknown(KNOWN_AFTER_APPLY, "aws_x.y.port"), "aws_x.y.port is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources", id="after apply: the hint"),
    pytest.param(Template(("a-", Ref("var.v"))), "a-${var.v} is known only after apply", id="a template"),
    pytest.param(Template(("a-", Unknown(KNOWN_AFTER_APPLY, "aws_x.y.id"))), "aws_x.y.id is known after apply; re-run with --source-dir terraform/ to evaluate it from the sources", id="a template's unknown part"),
    pytest.param(Ref("var.v"), "var.v is known only after apply", id="a reference"),
    pytest.param(None, "value is not known", id="anything else"),
]


@pytest.mark.parametrize(("value", "text"), EXPLAIN)
def test_explain_unknown_says_what_is_missing(value, text):
    from ctj_policy.queries.values import explain_unknown

    assert explain_unknown(value) == text


def test_unevaluated_deploying_gives_one_entry_per_module_address_in_order():
    """A module address recorded twice (each of its reasons) is one entry, and the modules after it still count."""
    db = UnevaluatedModule("module.db", "module source 'git::https://example.com/db.git' is not local")
    again = UnevaluatedModule("module.db", "module source './db' does not exist")
    dns = UnevaluatedModule("module.dns", "module source 'registry/dns/aws' is not local")
    dep = Deployment(unevaluated_modules=[db, again, dns])
    types = ("aws_ecs_task_definition", "aws_ecs_service", "aws_ecs_service")
    assert unevaluated_deploying(dep, types) == [(db, ("aws_ecs_task_definition", "aws_ecs_service")), (dns, ("aws_ecs_task_definition", "aws_ecs_service"))]


# --------------------------------------------------------------------------
# provenance: what block an address names, and the RDS credentials a database module creates (SPEC section 9)
# --------------------------------------------------------------------------

CTJ_DB = "module.civic-tech-jobs.module.civic_tech_jobs_stage_database"  # the real call of modules/database
HUU_DB = "module.home-unite-us.module.database_dev"  # another project's call of the same module


@pytest.mark.parametrize(
    "address, expected",
    [
        ("aws_db_instance.default", ("managed", "aws_db_instance")),  # the shared RDS at the root
        ("data.aws_db_instance.shared", ("data", "aws_db_instance")),
        (f"{CTJ_DB}.data.aws_db_instance.shared", ("data", "aws_db_instance")),
        (f"{CTJ_DB}.module.db_owner_password.aws_ssm_parameter.this", ("managed", "aws_ssm_parameter")),
        ('module.db["stage"].aws_db_instance.this[0]', ("managed", "aws_db_instance")),
        ('module.db["stage"].module.owner["a"].data.aws_rds_cluster.this', ("data", "aws_rds_cluster")),
        # instance keys are JSON strings: dots and brackets inside them split nothing
        ('module.site["www.example.org"].aws_rds_cluster.this', ("managed", "aws_rds_cluster")),
        ('module.db["a[0].b"].aws_db_proxy.this', ("managed", "aws_db_proxy")),
        ('module.db["a]b.c"].aws_db_proxy.this', ("managed", "aws_db_proxy")),
        ('aws_rds_cluster_instance.this["db.1"]', ("managed", "aws_rds_cluster_instance")),
        # read by position: a module may be called data or module
        ("module.data.aws_ssm_parameter.this", ("managed", "aws_ssm_parameter")),
        ("module.module.data.aws_db_instance.x", ("data", "aws_db_instance")),
        # no resource: a module (a module output's Ref), a lone word
        (CTJ_DB, ("", "")),
        ('module.db["stage"]', ("", "")),
        ("module.civic-tech-jobs", ("", "")),
        ("aws_db_instance", ("", "")),
        ("data.aws_db_instance.shared.extra", ("", "")),
    ],
    ids=lambda v: str(v),
)
def test_ref_type(address, expected):
    from ctj_policy.queries.provenance import address_type, ref_type

    assert ref_type(Ref(address, "endpoint")) == expected
    assert address_type(address) == expected


@pytest.mark.parametrize(
    "mode, rtype, managed",
    [
        ("managed", "aws_db_instance", True),
        ("data", "aws_db_instance", True),
        ("managed", "aws_rds_global_cluster", True),
        ("managed", "aws_rds_cluster_endpoint", True),  # a cluster's custom endpoint
        ("managed", "aws_db_proxy_endpoint", True),  # a proxy's extra endpoint
        ("data", "aws_db_snapshot", True),  # any RDS data source
        ("data", "aws_rds_engine_version", True),
        ("managed", "aws_db_parameter_group", False),  # database.tf at the root: not a database
        ("managed", "aws_db_subnet_group", False),
        ("managed", "postgresql_role", False),  # on a database, not one
        ("data", "aws_secretsmanager_secret", False),
        ("managed", "aws_ssm_parameter", False),
        ("", "", False),
        ("data", "", False),
    ],
)
def test_is_managed_database_type(mode, rtype, managed):
    from ctj_policy.queries.provenance import is_managed_database_type

    assert is_managed_database_type(mode, rtype) is managed


def test_describe_source():
    from ctj_policy.queries.provenance import describe_source

    assert describe_source(Ref(f"{CTJ_DB}.data.aws_db_instance.shared", "address")) == "data source aws_db_instance"
    assert describe_source(Ref('module.db["a"].aws_rds_cluster.this[0]', "endpoint")) == "resource aws_rds_cluster"


def _db_deployment(databases, secrets=(), tasks=(), services=()):
    """``databases``: (address, kind) in the loader's order; ``secrets``: SSM parameter addresses; ``tasks``,
    ``services``: addresses of ECS task definitions and services."""
    from ctj_policy.model import DatabaseResource, Deployment, Secret, Service, TaskDefinition

    dep = Deployment()
    dep.databases = [DatabaseResource(a, kind=k) for a, k in databases]
    dep.secrets = [Secret(a, name=f"/param/{i}", arn=Ref(a, "arn")) for i, a in enumerate(secrets)]
    dep.task_definitions = [TaskDefinition(a) for a in tasks]
    dep.services = [Service(a) for a in services]
    return dep


def _database_module(module):
    """The real modules/database as the loaders list it: the module (outer calls first), then its blocks in plan
    order (resources before data sources: a postgresql_role comes before the RDS data source)."""
    return [(module, "module"), (f"{module}.postgresql_role.db_owner", "resource"), (f"{module}.data.aws_db_instance.shared", "data")]


OWNER = f"{CTJ_DB}.module.db_owner_password.aws_ssm_parameter.this"
WHOLE_TREE = [("aws_db_instance.default", "resource"), ("module.civic-tech-jobs", "module"), *_database_module(CTJ_DB), ("module.home-unite-us", "module"), *_database_module(HUU_DB)]
KEYED = 'module.db["stage"]'


@pytest.mark.parametrize(
    "databases, secrets, value_from, expected",
    [
        pytest.param(
            WHOLE_TREE, [OWNER], Template((Ref(OWNER, "arn"),)),
            (f"aws_ssm_parameter {OWNER}", CTJ_DB, f"data source aws_db_instance {CTJ_DB}.data.aws_db_instance.shared", False),
            id="the SSM parameter the database module creates: the innermost database module, its RDS block",
        ),
        pytest.param(
            WHOLE_TREE, [f"{HUU_DB}.module.db_owner_password.aws_ssm_parameter.this"],
            Ref(f"{HUU_DB}.module.db_owner_password.aws_ssm_parameter.this", "arn"),
            (f"aws_ssm_parameter {HUU_DB}.module.db_owner_password.aws_ssm_parameter.this", HUU_DB,
             f"data source aws_db_instance {HUU_DB}.data.aws_db_instance.shared", False),
            id="a shorter database module's parameter: never the longer module it is not in",
        ),
        pytest.param(
            WHOLE_TREE, [], Ref(CTJ_DB, "owner_password_arn"),
            (f"{CTJ_DB}.owner_password_arn", CTJ_DB, f"data source aws_db_instance {CTJ_DB}.data.aws_db_instance.shared", True),
            id="an output of the database module",
        ),
        pytest.param(
            # plan mode names a for_each module call unkeyed, its blocks keyed
            [("module.db", "module"), (f"{KEYED}.postgresql_role.db_owner", "resource"), (f"{KEYED}.data.aws_db_instance.shared", "data")],
            [f"{KEYED}.module.db_owner_password.aws_ssm_parameter.this"],
            Ref(f"{KEYED}.module.db_owner_password.aws_ssm_parameter.this", "arn"),
            (f"aws_ssm_parameter {KEYED}.module.db_owner_password.aws_ssm_parameter.this", "module.db",
             f"data source aws_db_instance {KEYED}.data.aws_db_instance.shared", False),
            id="a for_each database module",
        ),
        pytest.param(
            # no RDS block (the provider's host is a variable); the roles sit in a nested module, listed first
            [(CTJ_DB, "module"), (f"{CTJ_DB}.module.roles", "module"), (f"{CTJ_DB}.module.roles.postgresql_role.owner", "resource"),
             (f"{CTJ_DB}.postgresql_database.db", "resource")],
            [OWNER], Ref(OWNER, "arn"),
            (f"aws_ssm_parameter {OWNER}", CTJ_DB, f"resource postgresql_role {CTJ_DB}.module.roles.postgresql_role.owner", False),
            id="a database module without an RDS block: its first block, never a nested module",
        ),
        pytest.param(
            # both modules hold a database block themselves; the secret is the inner one's
            [(CTJ_DB, "module"), (f"{CTJ_DB}.postgresql_database.db", "resource"), (f"{CTJ_DB}.module.roles", "module"),
             (f"{CTJ_DB}.module.roles.postgresql_role.owner", "resource")],
            [f"{CTJ_DB}.module.roles.aws_ssm_parameter.owner"], Ref(f"{CTJ_DB}.module.roles.aws_ssm_parameter.owner", "arn"),
            (f"aws_ssm_parameter {CTJ_DB}.module.roles.aws_ssm_parameter.owner", f"{CTJ_DB}.module.roles",
             f"resource postgresql_role {CTJ_DB}.module.roles.postgresql_role.owner", False),
            id="nested database modules: the innermost that holds the secret",
        ),
        pytest.param(WHOLE_TREE, [], Ref("aws_secretsmanager_secret.db", "arn"), None, id="a root secret not in the model"),
        pytest.param(WHOLE_TREE, [OWNER], "arn:aws:ssm:us-west-2:123456789012:parameter/other", None, id="a literal ARN of no secret in the model"),
        pytest.param([(CTJ_DB, "module")], [OWNER], Ref(OWNER, "arn"), None, id="a database module whose blocks are not in the model"),
    ],
)
def test_database_secret(databases, secrets, value_from, expected):
    from ctj_policy.queries.provenance import DatabaseSecret, database_secret

    dep = _db_deployment(databases, secrets)
    assert database_secret(dep, value_from) == (DatabaseSecret(*expected) if expected else None)


CTJ_TASK = "module.civic-tech-jobs.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_task_definition.task"
CTJ_SERVICE = "module.civic-tech-jobs.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_service.fargate[0]"
WRAPPER = "module.civic-tech-jobs.module.storage"
WRAPPED = [(WRAPPER, "module"), (f"{WRAPPER}.module.rds", "module"), (f"{WRAPPER}.module.rds.aws_rds_cluster.this", "resource")]


@pytest.mark.parametrize(
    ("tasks", "services"),
    [([CTJ_TASK], [CTJ_SERVICE]), ([CTJ_TASK], []), ([], [CTJ_SERVICE])],
    ids=["task and service", "task only", "service only"],
)
def test_a_project_module_secret_beside_its_database_module_is_no_rds_credential(tasks, services):
    """A whole-tree run lists the project module (module.civic-tech-jobs) among the database modules: it calls one.
    It deploys the application too: a secret it creates beside that call is not the database's."""
    from ctj_policy.queries.provenance import database_secret

    key = "module.civic-tech-jobs.module.django_secret_key.aws_ssm_parameter.this"
    assert database_secret(_db_deployment(WHOLE_TREE, [key], tasks, services), Ref(key, "arn")) is None


@pytest.mark.parametrize(
    ("databases", "tasks"),
    [
        (WRAPPED, [CTJ_TASK]),
        # it runs a task too, and holds a database block itself: the database's still
        ([*WRAPPED, (f"{WRAPPER}.postgresql_role.app", "resource")], [f"{WRAPPER}.aws_ecs_task_definition.migrate"]),
    ],
    ids=["a wrapper that deploys no application", "a module with a database block of its own"],
)
def test_a_secret_a_wrapper_of_the_database_module_creates_is_an_rds_credential(databases, tasks):
    from ctj_policy.queries.provenance import DatabaseSecret, database_secret

    key = f"{WRAPPER}.aws_ssm_parameter.password"
    found = database_secret(_db_deployment(databases, [key], tasks), Ref(key, "arn"))
    assert found == DatabaseSecret(f"aws_ssm_parameter {key}", WRAPPER, f"resource aws_rds_cluster {WRAPPER}.module.rds.aws_rds_cluster.this")


def test_role_container_when_the_container_list_is_unknown_or_unreadable():
    from ctj_policy.model import UNRESOLVED, TaskDefinition
    from ctj_policy.queries import role_container

    u = Unknown(KNOWN_AFTER_APPLY, "var.defs")
    t = TaskDefinition("aws_ecs_task_definition.t", containers=u)
    assert role_container(t, BACKEND, Deployment(task_definitions=[t]), CONFIG) is u
    t = TaskDefinition("aws_ecs_task_definition.t", containers=None)
    got = role_container(t, BACKEND, Deployment(task_definitions=[t]), CONFIG)
    assert got == Unknown(UNRESOLVED, "container_definitions of aws_ecs_task_definition.t")


def test_ctj_task_scores_a_task_with_unknown_containers_zero():
    from ctj_policy.model import TaskDefinition
    from ctj_policy.queries import ctj_task

    a = TaskDefinition("aws_ecs_task_definition.a", containers=())
    b = TaskDefinition("aws_ecs_task_definition.b", containers=Unknown(KNOWN_AFTER_APPLY, "var.defs"))
    assert ctj_task(Deployment(task_definitions=[b, a]), CONFIG) is a  # both score 0: address order


@pytest.mark.parametrize(
    "value, expected",
    [
        (5, None),  # neither a string, a reference nor unset: cannot tell
        (None, False),
        (Template(("arn:aws:ecs:", "ctj")), None),  # a template with no reference: cannot tell
        ("arn:aws:ecs:us-west-2:1:task-definition/ctj:task-definition/other", True),  # the family after the first
    ],
    ids=str,
)
def test_runs_task_by_value(value, expected):
    from ctj_policy.model import Service, TaskDefinition
    from ctj_policy.queries import runs_task

    t = TaskDefinition("aws_ecs_task_definition.t", family="ctj")
    assert runs_task(Service("aws_ecs_service.s", task_definition=value), t) is expected


def _renamed_backend(dep):
    """The backend container renamed to one no role name or image tells (its load_balancer block follows)."""
    from dataclasses import replace

    from rules.builders import edit

    dep = edit(dep, "django", name="api-server", image=f"{REGISTRY}/something:1")
    svc = dep.services[0]
    svc.load_balancers = tuple(replace(lb, container_name="api-server") if lb.container_name == "django" else lb for lb in svc.load_balancers)
    return dep


def _backend_attached_only(dep):
    dep.services[0].load_balancers = dep.services[0].load_balancers[:1]
    return dep


def _backend_attached_twice(dep):
    from ctj_policy.model import LoadBalancerAttachment

    first, second = dep.services[0].load_balancers
    dep.services[0].load_balancers = (first, LoadBalancerAttachment("arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/other/9", "django", 8000), second)
    return dep


def _frontend_on_80(dep):
    dep.target_groups[1].port = 80
    return dep


ATTACHES = "module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_ecs_service.this attaches the"
TG_EVIDENCE = [
    pytest.param(lambda d: d, f"{ATTACHES} backend container 'django' to it", f"{ATTACHES} frontend container 'nextjs' to it", id="both attached"),
    pytest.param(_renamed_backend, f"{ATTACHES} backend container 'api-server' (backend by port 8000, DJANGO_* variables, SQL_* variables and name containing 'api') to it",
                 f"{ATTACHES} frontend container 'nextjs' to it", id="a backend known by evidence names it"),
    pytest.param(_no_service, "its port 8000, the backend's", "its port 3000, the frontend's", id="no service: by port"),
    pytest.param(_backend_attached_only, f"{ATTACHES} backend container 'django' to it", "its port 3000, the frontend's", id="only the backend attached: the frontend by port"),
    pytest.param(_backend_attached_twice, f"{ATTACHES} backend container 'django' to it", f"{ATTACHES} frontend container 'nextjs' to it", id="the backend attached twice: the first, and the frontend still"),
    pytest.param(lambda d: _frontend_on_80(_no_service(d)), "its port 8000, the backend's",
                 "module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_lb_listener_rule.frontend forwards /* to it", id="the frontend on no role's port: by the catch-all"),
    pytest.param(lambda d: _catch_all(_frontend_on_80(_no_service(d)), ()), "its port 8000, the backend's",
                 "module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_lb_listener_rule.frontend forwards /* to it", id="a catch-all without a path condition stands for /*"),
    pytest.param(lambda d: _catch_all(_frontend_on_80(_no_service(d)), ("*",)), "its port 8000, the backend's",
                 "module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_lb_listener_rule.frontend forwards * to it", id="a '*' catch-all is named as written"),
]


def _catch_all(dep, patterns):
    from ctj_policy.model import RuleCondition

    rule = next(r for r in dep.listener_rules if r.address.endswith(".frontend"))
    rule.conditions = (RuleCondition(path_patterns=patterns),) if patterns else ()
    return dep


@pytest.mark.parametrize(("mutate", "backend", "frontend"), TG_EVIDENCE)
def test_target_group_evidence_says_exactly_why(mutate, backend, frontend):
    from ctj_policy.queries import target_group_for_role

    dep = mutate(stage1())
    found = {role: target_group_for_role(dep, CONFIG, role) for role in (BACKEND, FRONTEND)}
    assert [found[r].target_group.address.rsplit(".", 1)[-1] for r in (BACKEND, FRONTEND)] == ["backend", "frontend"]
    assert (found[BACKEND].evidence, found[FRONTEND].evidence) == (backend, frontend)


def _rule(dep, tail):
    return next(r for r in dep.listener_rules if r.address.endswith(f".{tail}"))


def _unknown_paths_first(dep):
    """A listener rule whose path conditions are known only after apply, ahead of every other rule."""
    from ctj_policy.model import ListenerRule

    dep.listener_rules.insert(0, ListenerRule("aws_lb_listener_rule.x", conditions=Unknown(KNOWN_AFTER_APPLY, "var.conditions")))
    return dep


def _catch_all_only_to_backend(dep):
    """The only listener rule left is the catch-all, and it forwards to the backend's target group."""
    from ctj_policy.model import RuleAction

    rule = _rule(dep, "frontend")
    rule.actions = (RuleAction("forward", (dep.target_groups[0].arn,)),)
    dep.listener_rules = [rule]
    return dep


def _attached_first(container, port):
    """The service's first load_balancer block attaches ``container`` on ``port``; Django's and Next.js's follow."""
    from ctj_policy.model import LoadBalancerAttachment

    def mutate(dep):
        svc = dep.services[0]
        svc.load_balancers = (LoadBalancerAttachment(f"{TG_ARN}/first/5", container, port), *svc.load_balancers)
        return dep

    return mutate


RULE_AT = "module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_lb_listener_rule"
# Each row: the backend's and the frontend's target group (address tail, None for none) and the evidence, exactly.
TG_SEARCH = [
    pytest.param(lambda d: _unknown_paths_first(_tgs(_no_service(d), backend=("backend", "b", 80), frontend=("frontend", "f", 80))),
                 ("backend", f"{RULE_AT}.api forwards /api/* to it"), ("frontend", f"{RULE_AT}.frontend forwards /* to it"),
                 id="a rule with unknown paths ends nothing: the later rules still decide"),
    pytest.param(lambda d: _catch_all_only_to_backend(_frontend_on_80(_backend_attached_only(d))),
                 ("backend", f"{ATTACHES} backend container 'django' to it"), (None, ""),
                 id="a target group the service gives the backend is never the frontend's by the catch-all"),
    pytest.param(lambda d: _catch_all_only_to_backend(_frontend_on_80(_no_service(d))),
                 ("backend", "its port 8000, the backend's"), (None, ""),
                 id="a target group the backend has by its port is never the frontend's by the catch-all"),
    pytest.param(_attached_first("postgres", 5432),
                 ("backend", f"{ATTACHES} backend container 'django' to it"), ("frontend", f"{ATTACHES} frontend container 'nextjs' to it"),
                 id="a database load_balancer block first: the blocks after it still decide"),
    pytest.param(_attached_first("sidecar", 9000),
                 ("backend", f"{ATTACHES} backend container 'django' to it"), ("frontend", f"{ATTACHES} frontend container 'nextjs' to it"),
                 id="a block for no container of the task first: the blocks after it still decide"),
    pytest.param(lambda d: renamed(stage1(True)),
                 ("backend", f"{ATTACHES} backend container 'app' to it"), ("frontend", f"{ATTACHES} frontend container 'ui' to it"),
                 id="containers its ECR images name (symbolic): the service's blocks decide"),
]


@pytest.mark.parametrize(("mutate", "backend", "frontend"), TG_SEARCH)
def test_target_group_search(mutate, backend, frontend):
    """Which target group each role gets, and why: the order and the pool of the search
    (the service's blocks, then the ports, then the rules' paths over what is left)."""
    from ctj_policy.queries import target_group_for_role

    dep = mutate(stage1())
    found = {role: target_group_for_role(dep, CONFIG, role) for role in (BACKEND, FRONTEND)}
    got = [(f.target_group.address.rsplit(".", 1)[-1] if f.target_group is not None else None, f.evidence) for f in (found[BACKEND], found[FRONTEND])]
    assert got == [backend, frontend]


AS_INT = [
    (5432, 5432), ("5432", 5432), (" 8000 ", 8000), ("+80", 80), ("-1", -1), (5432.0, 5432), (5432.5, None), (True, None),
    ("X5", None), ("5X", None), ("\u00b2", None), ("", None), (None, None), (Unknown(KNOWN_AFTER_APPLY, "var.port"), None),
    ("1" * 99, int("1" * 99)), ("1" * 100, None),
]


AS_INT_IDS = ["int", "text", "blanks", "plus", "minus", "whole float", "fraction", "bool", "letter first", "letter last",
              "superscript two", "empty", "none", "unknown", "99 digits", "100 digits"]


@pytest.mark.parametrize(("value", "number"), AS_INT, ids=AS_INT_IDS)
def test_as_int_reads_only_whole_numbers_written_in_ascii_digits(value, number):
    from ctj_policy.queries.values import as_int

    assert as_int(value) == number
