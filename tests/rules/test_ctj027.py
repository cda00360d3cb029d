"""CTJ027 (warning): the backend dependsOn the database with condition HEALTHY, and the database has a healthCheck."""

from __future__ import annotations

import pytest

from ctj_policy.model import KNOWN_AFTER_APPLY, Dependency, Ref, Unknown

from .builders import (
    AFTER_APPLY,
    AT_DJANGO,
    AT_POSTGRES,
    AT_TASK,
    HINT,
    NO_TASK,
    SCOPE,
    TASK,
    TF_TASK,
    case,
    chain,
    edit,
    findings,
    hcl_findings,
    no_role,
    no_task,
    renamed,
    renamed_backend,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
)

RULE = "CTJ027"
PASS = ("pass", "backend 'django' waits for database 'postgres' to be HEALTHY (healthCheck present)", AT_DJANGO)
NO_DEPENDENCY = ("fail", 'backend \'django\' does not dependsOn database \'postgres\'; add {containerName = "postgres", condition = "HEALTHY"}', AT_DJANGO)


def depends(*deps):
    return lambda d: edit(d, "django", depends_on=tuple(Dependency(n, c) for n, c in deps))


def health(value):
    return lambda d: edit(d, "postgres", health_check=value)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), ("pass", "backend 'app' waits for database 'store' to be HEALTHY (healthCheck present)", AT_DJANGO)),
    case("stage1", chain(), PASS),
    case("condition in lower case", chain(depends(("postgres", "healthy"))), PASS),
    case("among other dependencies", chain(depends(("nextjs", "START"), ("postgres", "HEALTHY"))), PASS),
    case(
        "START instead of HEALTHY",
        chain(depends(("postgres", "START"))),
        ("fail", "backend 'django' depends on database 'postgres' with condition 'START', not HEALTHY: Django may start before Postgres accepts connections", AT_DJANGO),
    ),
    case(
        "COMPLETE instead of HEALTHY",
        chain(depends(("postgres", "COMPLETE"))),
        ("fail", "backend 'django' depends on database 'postgres' with condition 'COMPLETE', not HEALTHY: Django may start before Postgres accepts connections", AT_DJANGO),
    ),
    case("no dependsOn", chain(depends()), NO_DEPENDENCY),
    case("dependsOn another container only", chain(depends(("nextjs", "HEALTHY"))), NO_DEPENDENCY),
    case(
        "no healthCheck",
        chain(health(None)),
        ("fail", 'database \'postgres\' has no healthCheck, so a HEALTHY dependency can never be met; add ["CMD-SHELL", "pg_isready -U <user> -d <db>"]', AT_POSTGRES),
    ),
    case(
        "an empty healthCheck",
        chain(health({})),
        ("fail", 'database \'postgres\' has no healthCheck, so a HEALTHY dependency can never be met; add ["CMD-SHELL", "pg_isready -U <user> -d <db>"]', AT_POSTGRES),
    ),
    case(
        "no database container",
        chain(no_role("postgres", "cache", "redis:7")),
        ("fail", f"task {TASK} has no database container for backend 'django' to wait for", AT_DJANGO),
    ),
    case("no backend container", chain(no_role("django", "worker", "busybox")), ("fail", f"task {TASK} has no backend container: the backend cannot wait for the database", AT_TASK)),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: the backend cannot wait for the database")),
    case(
        "a backend named db: its ECR image, not its name, makes it the backend",
        chain(renamed, lambda d: renamed_backend(d, "db"), symbolic=True),
        ("pass", "backend 'db' waits for database 'store' to be HEALTHY (healthCheck present)", AT_DJANGO),
    ),
    # unknown: every branch
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the backend container of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "backend role undecided",
        chain(unknown_role("django", "c1")),
        ("unknown", f"cannot tell which container of {TASK} is the backend: {TASK}.container_definitions.c1.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "the database container's name known only after apply",
        chain(lambda d: edit(d, "postgres", name=Ref("var.db_name"))),
        ("unknown", "cannot tell whether backend 'django' dependsOn the database: the database container's name is not known: var.db_name is known only after apply", AT_DJANGO),
    ),
    case(
        "database role undecided",
        chain(unknown_role("postgres", "c3")),
        ("unknown", f"cannot tell which container is the database: {TASK}.container_definitions.c3.image is known after apply; {HINT}", AT_DJANGO),
    ),
    case(
        "dependsOn unknown",
        chain(lambda d: edit(d, "django", depends_on=Unknown(KNOWN_AFTER_APPLY, "var.deps"))),
        ("unknown", f"dependsOn of backend 'django' is not known: var.deps is known after apply; {HINT}", AT_DJANGO),
    ),
    case(
        "dependsOn condition unknown",
        chain(depends(("postgres", Unknown(KNOWN_AFTER_APPLY, "var.condition")))),
        ("unknown", f"dependsOn condition of backend 'django' is not known: var.condition is known after apply; {HINT}", AT_DJANGO),
    ),
    case(
        "dependsOn containerName unknown",
        chain(depends((Unknown(KNOWN_AFTER_APPLY, "var.dependency"), "HEALTHY"))),
        ("unknown", f"dependsOn of backend 'django' names a container that is not known: var.dependency is known after apply; {HINT}", AT_DJANGO),
    ),
    case(
        "healthCheck unknown",
        chain(health(Ref(f"{SCOPE}.module.checks", "postgres"))),
        ("unknown", f"healthCheck of database 'postgres' is not known: {SCOPE}.module.checks.postgres is known only after apply", AT_POSTGRES),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL = [
    case("stage1", {}, ("pass", "backend 'django' waits for database 'postgres' to be HEALTHY (healthCheck present)", TF_TASK)),
    case(
        "START instead of HEALTHY",
        {"django.tf": sub('condition = "HEALTHY"', 'condition = "START"')},
        ("fail", "backend 'django' depends on database 'postgres' with condition 'START', not HEALTHY: Django may start before Postgres accepts connections", TF_TASK),
    ),
    case(
        "no healthCheck",
        {"postgres.tf": sub('    healthCheck = { command = ["CMD-SHELL", "pg_isready -U ctj -d ctj"] }\n', "")},
        ("fail", 'database \'postgres\' has no healthCheck, so a HEALTHY dependency can never be met; add ["CMD-SHELL", "pg_isready -U <user> -d <db>"]', TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("database role undecided", [("unknown", "task", TASK, None)]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
