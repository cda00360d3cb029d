"""CTJ021: the database runs the official postgres image, pinned to a tag of the configured major (18)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    UNRESOLVED,
    EcrRepository,
    Ref,
    Template,
    Unknown,
)

from .builders import (
    AFTER_APPLY,
    AT_POSTGRES,
    AT_TASK,
    CONFIG,
    ECR_BACKEND,
    HINT,
    NO_TASK,
    SCOPE,
    TASK,
    TF_TASK,
    case,
    chain,
    findings,
    hcl_findings,
    image,
    no_task,
    on_task,
    renamed,
    stage1,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ021"
PG_REPO = f"{SCOPE}.aws_ecr_repository.pg"
OFFICIAL = "postgres, library/postgres, docker.io/library/postgres, public.ecr.aws/docker/library/postgres"


def ok(tag, major=18):
    return ("pass", f"database container 'postgres' runs the official postgres image pinned to '{tag}' (major {major})", AT_POSTGRES)


def not_pinned(tag):
    return ("fail", f"database image tag '{tag}' is not a pinned version (floating or pre-release); pin postgres:18", AT_POSTGRES)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), ("pass", "database container 'store' runs the official postgres image pinned to '18.1' (major 18)", AT_POSTGRES)),
    case("postgres:18.1", chain(), ok("18.1")),
    case("postgres:18", chain(image("postgres:18")), ok("18")),
    case("18.1-bookworm", chain(image("postgres:18.1-bookworm")), ok("18.1-bookworm")),
    case("18-alpine", chain(image("postgres:18-alpine")), ok("18-alpine")),
    case("18.1.2 (three parts)", chain(image("postgres:18.1.2")), ok("18.1.2")),
    case("library/postgres", chain(image("library/postgres:18")), ok("18")),
    case("docker.io with digest", chain(image("docker.io/library/postgres:18@sha256:" + "a" * 64)), ok("18")),
    case("index.docker.io", chain(image("index.docker.io/library/postgres:18")), ok("18")),
    case("public.ecr.aws mirror", chain(image("public.ecr.aws/docker/library/postgres:18.1")), ok("18.1")),
    case("latest", chain(image("postgres:latest")), not_pinned("latest")),
    case("alpine (floating)", chain(image("postgres:alpine")), not_pinned("alpine")),
    case("a pre-release", chain(image("postgres:18beta1")), not_pinned("18beta1")),
    case("four version parts", chain(image("postgres:18.1.2.3")), not_pinned("18.1.2.3")),
    case("no tag", chain(image("postgres")), ("fail", "database image 'postgres' has no tag (that is 'latest'); pin postgres:18", AT_POSTGRES)),
    case(
        "digest only",
        chain(image("postgres@sha256:" + "b" * 64)),
        ("fail", f"database image 'postgres@sha256:{'b' * 64}' is pinned by digest only, so its major cannot be checked; add the tag (postgres:18@sha256:...)", AT_POSTGRES),
    ),
    case("postgres:17", chain(image("postgres:17")), ("fail", "database image tag '17' is Postgres 17, not the decided major 18", AT_POSTGRES)),
    case("postgres:19", chain(image("postgres:19.0")), ("fail", "database image tag '19.0' is Postgres 19, not the decided major 18", AT_POSTGRES)),
    case(
        "not the official repository (role by name)",
        chain(image("bitnami/postgresql:18")),
        ("fail", f"database container 'postgres' image 'bitnami/postgresql:18' is not the official postgres repository ({OFFICIAL})", AT_POSTGRES),
    ),
    case(
        "a postgres repository on another registry",
        chain(image("ghcr.io/postgres:18")),
        ("fail", f"database container 'postgres' image 'ghcr.io/postgres:18' is not the official postgres repository ({OFFICIAL})", AT_POSTGRES),
    ),
    case(
        "image from an ECR Ref (the container is then the backend)",
        chain(image(Template((Ref(ECR_BACKEND, "repository_url"), ":pg"))), symbolic=True),
        ("fail", f"task {TASK} has no database container: the database image must be postgres:18", AT_TASK),
    ),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: the database image must be postgres:18")),
    case("an upper-case tag suffix", chain(image("postgres:18-Bookworm")), ok("18-Bookworm")),
    case("image as a template of literal parts", chain(image(Template(("postgres:", "18")))), ok("18")),
    case("tag and digest, digest unknown", chain(image(Template(("postgres:18@", Unknown(KNOWN_AFTER_APPLY, "var.digest"))))), ok("18")),
    case(
        "digest unknown, no tag",
        chain(image(Template(("postgres@", Unknown(KNOWN_AFTER_APPLY, "var.digest"))))),
        ("fail", "database image 'postgres@${var.digest is known after apply}' is pinned by digest only, so its major cannot be checked; add the tag (postgres:18@sha256:...)", AT_POSTGRES),
    ),
    case(
        "a postgres repository on another registry, tag unknown",
        chain(image(Template(("ghcr.io/postgres:", Unknown(KNOWN_AFTER_APPLY, "var.tag"))))),
        ("fail", f"database container 'postgres' image 'ghcr.io/postgres:${{var.tag is known after apply}}' is not the official postgres repository ({OFFICIAL})", AT_POSTGRES),
    ),
    case(
        "a registry with a port, tag unknown",
        chain(image(Template(("localhost:5000/postgres:", Unknown(KNOWN_AFTER_APPLY, "var.tag"))))),
        ("fail", f"database container 'postgres' image 'localhost:5000/postgres:${{var.tag is known after apply}}' is not the official postgres repository ({OFFICIAL})", AT_POSTGRES),
    ),
    case(
        "a private ECR repository named library/postgres is not the official one",
        chain(lambda d: [d.ecr_repositories.append(EcrRepository(PG_REPO, name="library/postgres")), d][1], image(Template((Ref(PG_REPO, "repository_url"), ":18"))), symbolic=True),
        ("fail", f"database container 'postgres' image '${{{PG_REPO}.repository_url}}:18' is not the official postgres repository ({OFFICIAL})", AT_POSTGRES),
    ),
    case(
        "a database image from an ECR repository (role by name)",
        chain(lambda d: [d.ecr_repositories.append(EcrRepository(PG_REPO, name="ctj-pg")), d][1], image(Template((Ref(PG_REPO, "repository_url"), ":18"))), symbolic=True),
        ("fail", f"database container 'postgres' image '${{{PG_REPO}.repository_url}}:18' is not the official postgres repository ({OFFICIAL})", AT_POSTGRES),
    ),
    # unknown: every branch
    case(
        "container_definitions from a module output",
        chain(on_task(containers=Ref(f"{SCOPE}.module.defs", "containers"))),
        ("unknown", f"cannot check the database container of {TASK}: container_definitions of {TASK} is unresolved reference", AT_TASK),
    ),
    case(
        "image name and tag run together from a variable",
        chain(image(Template(("postgres", Unknown(KNOWN_AFTER_APPLY, "var.suffix"))))),
        ("unknown", f"image of database container 'postgres' is not known: var.suffix is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "no image",
        chain(image(None)),
        ("unknown", "image of database container 'postgres' is not known: image is unresolved reference", AT_POSTGRES),
    ),
    case(
        "tag from a module output",
        chain(image(Template(("postgres:", Ref(f"{SCOPE}.module.versions", "postgres"))))),
        ("unknown", f"tag of database image 'postgres:${{{SCOPE}.module.versions.postgres}}' is not known: {SCOPE}.module.versions.postgres is known only after apply", AT_POSTGRES),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the database container of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "database role undecided",
        chain(unknown_role("postgres", "c3")),
        ("unknown", f"cannot tell which container of {TASK} is the database: {TASK}.container_definitions.c3.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "image unknown (role by name)",
        chain(image(Unknown(KNOWN_AFTER_APPLY, "var.db_image"))),
        ("unknown", f"image of database container 'postgres' is not known: var.db_image is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "image from a module output (role by name)",
        chain(image(Ref(f"{SCOPE}.module.images", "postgres"))),
        ("unknown", f"image of database container 'postgres' is not known: {SCOPE}.module.images.postgres is known only after apply", AT_POSTGRES),
    ),
    case(
        "tag from a variable",
        chain(image(Template(("postgres:", Unknown(UNRESOLVED, "var.pg_version"))))),
        ("unknown", "tag of database image 'postgres:${var.pg_version is unresolved reference}' is not known: var.pg_version is unresolved reference", AT_POSTGRES),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


def test_configured_major():
    config = replace(CONFIG, postgres_major=17)
    assert findings(RULE, image("postgres:17.6")(stage1()), config) == [
        ("pass", "database container 'postgres' runs the official postgres image pinned to '17.6' (major 17)", AT_POSTGRES)
    ]
    assert findings(RULE, stage1(), config) == [("fail", "database image tag '18.1' is Postgres 18, not the decided major 17", AT_POSTGRES)]


HCL = [
    case("stage1", {}, ("pass", "database container 'postgres' runs the official postgres image pinned to '18.1' (major 18)", TF_TASK)),
    case("postgres:16.4", {"postgres.tf": sub('"postgres:18.1"', '"postgres:16.4"')}, ("fail", "database image tag '16.4' is Postgres 16, not the decided major 18", TF_TASK)),
    case("untagged", {"postgres.tf": sub('"postgres:18.1"', '"postgres"')}, ("fail", "database image 'postgres' has no tag (that is 'latest'); pin postgres:18", TF_TASK)),
    case(
        "tag from a variable's default",
        {"postgres.tf": sub('"postgres:18.1"', '"postgres:${var.pg}"'), "variables.tf": 'variable "pg" {\n  default = "18.1-bookworm"\n}\n'},
        ("pass", "database container 'postgres' runs the official postgres image pinned to '18.1-bookworm' (major 18)", TF_TASK),
    ),
    case(
        "tag from a variable with no value",
        {"postgres.tf": sub('"postgres:18.1"', '"postgres:${var.pg}"'), "variables.tf": 'variable "pg" {\n  type = string\n}\n'},
        ("unknown", "tag of database image 'postgres:${var.pg is unresolved reference (the variable has no value and no default: pass --var/--var-file)}' is not known: var.pg is unresolved reference (the variable has no value and no default: pass --var/--var-file)", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected
