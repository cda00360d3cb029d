"""CTJ025: the effective PGDATA lies inside the database's data mount (18+ defaults differ from 17-)."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    UNRESOLVED,
    EcrRepository,
    MountPoint,
    Ref,
    Template,
    Unknown,
    Volume,
)

from .builders import (
    AFTER_APPLY,
    AT_POSTGRES,
    AT_TASK,
    DB_ARN,
    HINT,
    NO_TASK,
    SCOPE,
    TASK,
    TF_TASK,
    case,
    chain,
    del_env,
    edit,
    env_to_secret,
    findings,
    hcl_findings,
    image,
    mount,
    no_task,
    on_task,
    renamed,
    set_env,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
    volume,
)

RULE = "CTJ025"
PG_REPO = f"{SCOPE}.aws_ecr_repository.pg"
DATA = "/var/lib/postgresql/data"


def pgdata(value):
    return lambda d: set_env(d, "postgres", "PGDATA", value)


def no_pgdata(dep):
    return del_env(dep, "postgres", "PGDATA")


def inside(how, at=DATA):
    return ("pass", f"{how} of database 'postgres' is inside the mount at {at} (its persistence: CTJ024)", AT_POSTGRES)


def outside(how):
    return ("fail", f"{how} of database 'postgres' is not inside any mounted volume: the data dies with the task", AT_POSTGRES)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), ("pass", f"PGDATA {DATA}/pgdata of database 'store' is inside the mount at {DATA} (its persistence: CTJ024)", AT_POSTGRES)),
    case("explicit PGDATA below the EFS mount", chain(), inside(f"PGDATA {DATA}/pgdata")),
    case("explicit PGDATA at the mount itself", chain(pgdata(DATA)), inside(f"PGDATA {DATA}")),
    case("explicit PGDATA normalized", chain(pgdata(DATA + "/./pgdata/")), inside(f"PGDATA {DATA}/pgdata")),
    case(
        "18 default under a mount at /var/lib/postgresql",
        chain(no_pgdata, mount("/var/lib/postgresql")),
        inside("the image default PGDATA /var/lib/postgresql/18/docker (Postgres 18)", "/var/lib/postgresql"),
    ),
    case("17 default at the data mount", chain(no_pgdata, image("postgres:17")), inside(f"the image default PGDATA {DATA} (Postgres 17)")),
    case(
        "no tag: the configured major is assumed",
        chain(no_pgdata, image("postgres"), mount("/var/lib/postgresql")),
        inside("the image default PGDATA /var/lib/postgresql/18/docker (Postgres 18, assumed from the configuration)", "/var/lib/postgresql"),
    ),
    case(
        "the innermost of two mounts holds the data",
        chain(lambda d: edit(d, "postgres", mount_points=(MountPoint("scratch", "/var/lib/postgresql"), MountPoint("pgdata", DATA))), on_task(volumes=(Volume("scratch"), Volume("pgdata")))),
        inside(f"PGDATA {DATA}/pgdata"),
    ),
    case(
        "18 without PGDATA, volume at /var/lib/postgresql/data",
        chain(no_pgdata),
        ("fail", f"database 'postgres' runs Postgres 18, which refuses to start with a volume at {DATA} unless PGDATA is set; set PGDATA = \"{DATA}/pgdata\" or mount the volume at /var/lib/postgresql", AT_POSTGRES),
    ),
    case("PGDATA outside every mount", chain(pgdata("/pgdata")), outside("PGDATA /pgdata")),
    case("16 default with no mount", chain(no_pgdata, image("postgres:16"), lambda d: edit(d, "postgres", mount_points=())), outside(f"the image default PGDATA {DATA} (Postgres 16)")),
    case("PGDATA not absolute", chain(pgdata("pgdata")), ("fail", "PGDATA of database 'postgres' is 'pgdata', not an absolute path", AT_POSTGRES)),
    case(
        "PGDATA inside an ephemeral mount (CTJ024's fault, not this rule's)",
        chain(volume(Volume("pgdata"), ("FARGATE",), "FARGATE")),
        inside(f"PGDATA {DATA}/pgdata"),
    ),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: PGDATA cannot lie inside a mounted volume")),
    # unknown: every branch
    case(
        "no PGDATA, image from a module output",
        chain(no_pgdata, image(Ref(f"{SCOPE}.module.images", "postgres"))),
        ("unknown", f"PGDATA of database 'postgres' is not set and its image's default depends on the major, which is not known: {SCOPE}.module.images.postgres is known only after apply", AT_POSTGRES),
    ),
    case(
        "no PGDATA, image registry unknown",
        chain(no_pgdata, image(Template((Unknown(KNOWN_AFTER_APPLY, "var.registry"), "/postgres:18")))),
        ("unknown", f"PGDATA of database 'postgres' is not set and its image's default depends on the major, which is not known: var.registry is known after apply; {HINT}", AT_POSTGRES),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the database container of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "database role undecided",
        chain(unknown_role("postgres", "c3")),
        ("unknown", f"cannot tell which container of {TASK} is the database: {TASK}.container_definitions.c3.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "environment unknown",
        chain(lambda d: edit(d, "postgres", environment=Unknown(KNOWN_AFTER_APPLY, "var.db_env"))),
        ("unknown", f"cannot read PGDATA of database 'postgres': var.db_env is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "PGDATA from a secret",
        chain(lambda d: env_to_secret(d, "postgres", "PGDATA", f"{DB_ARN}:pgdata::")),
        ("unknown", "PGDATA of database 'postgres' comes from a secret, so its path cannot be checked; set it in environment", AT_POSTGRES),
    ),
    case(
        "PGDATA unknown",
        chain(pgdata(Unknown("unresolved reference", "var.pgdata"))),
        ("unknown", "PGDATA of database 'postgres' is not known: var.pgdata is unresolved reference", AT_POSTGRES),
    ),
    case(
        "no PGDATA, image unknown",
        chain(no_pgdata, image(Unknown(KNOWN_AFTER_APPLY, "var.db_image"))),
        ("unknown", f"PGDATA of database 'postgres' is not set and its image's default depends on the major, which is not known: var.db_image is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "no PGDATA, image tag unknown",
        chain(no_pgdata, image(Template(("postgres:", Unknown(UNRESOLVED, "var.pg_version"))))),
        ("unknown", "PGDATA of database 'postgres' is not set and its image's default depends on the major, which is not known: var.pg_version is unresolved reference", AT_POSTGRES),
    ),
    case(
        "no PGDATA, image from an ECR repository with a tag known after apply",
        chain(
            no_pgdata,
            lambda d: [d.ecr_repositories.append(EcrRepository(PG_REPO, name="ctj-pg")), d][1],
            image(Template((Ref(PG_REPO, "repository_url"), ":", Unknown(KNOWN_AFTER_APPLY, "var.pg_tag")))),
        ),
        ("unknown", f"PGDATA of database 'postgres' is not set and its image's default depends on the major, which is not known: var.pg_tag is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "no PGDATA, image from an ECR repository with a literal tag: the configured major is assumed",
        chain(
            no_pgdata,
            mount("/var/lib/postgresql"),
            lambda d: [d.ecr_repositories.append(EcrRepository(PG_REPO, name="ctj-pg")), d][1],
            image(Template((Ref(PG_REPO, "repository_url"), ":16"))),
        ),
        inside("the image default PGDATA /var/lib/postgresql/18/docker (Postgres 18, assumed from the configuration)", "/var/lib/postgresql"),
    ),
    case(
        "volumes unknown",
        chain(on_task(volumes=Unknown(KNOWN_AFTER_APPLY, f"{TASK}.volume"))),
        ("unknown", f"cannot read the mounts of database 'postgres': {TASK}.volume is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "a containerPath unknown",
        chain(mount(Unknown(KNOWN_AFTER_APPLY, "var.path"))),
        ("unknown", f"cannot tell whether PGDATA {DATA}/pgdata is inside a mount of database 'postgres': a containerPath is not known", AT_POSTGRES),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


@pytest.mark.parametrize("build, expected", CASES)
def test_every_verdict_is_about_the_effective_pgdata(build, expected):
    """A finding about the database is about its PGDATA (set or the image's default), never the container as a
    whole; without a database container to judge, it is about the task."""
    from ctj_policy.rules import get_rule

    from .builders import CONFIG

    for f in get_rule(RULE).check(build(), CONFIG):
        assert f.subject.kind in ("env", "task"), (f.subject, f.message)
        if f.subject.kind == "env":
            assert f.subject.name == "PGDATA" and f"database '{f.subject.container}'" in f.message, (f.subject, f.message)


PGDATA_LINE = '      { name = "PGDATA", value = "/var/lib/postgresql/data/pgdata" },\n'

HCL = [
    case("stage1", {}, ("pass", f"PGDATA {DATA}/pgdata of database 'postgres' is inside the mount at {DATA} (its persistence: CTJ024)", TF_TASK)),
    case(
        "no PGDATA",
        {"postgres.tf": sub(PGDATA_LINE, "")},
        ("fail", f"database 'postgres' runs Postgres 18, which refuses to start with a volume at {DATA} unless PGDATA is set; set PGDATA = \"{DATA}/pgdata\" or mount the volume at /var/lib/postgresql", TF_TASK),
    ),
    case(
        "no PGDATA, volume at /var/lib/postgresql",
        {"postgres.tf": sub(PGDATA_LINE, "", 'containerPath = "/var/lib/postgresql/data"', 'containerPath = "/var/lib/postgresql"')},
        ("pass", "the image default PGDATA /var/lib/postgresql/18/docker (Postgres 18) of database 'postgres' is inside the mount at /var/lib/postgresql (its persistence: CTJ024)", TF_TASK),
    ),
    case("PGDATA outside", {"postgres.tf": sub('"/var/lib/postgresql/data/pgdata"', '"/srv/pgdata"')}, ("fail", "PGDATA /srv/pgdata of database 'postgres' is not inside any mounted volume: the data dies with the task", TF_TASK)),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected
