"""CTJ025: PGDATA lies inside the database's data mount."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, EnvVar, Finding, SecretVar, Unknown, is_symbolic
from ..queries import (
    DATABASE,
    explain_unknown,
    is_official_postgres,
    lookup,
    mounts_of,
    norm_path,
    parse_image,
    path_within,
    tag_major,
)
from .base import CTJ_TASK, TASK, Rule
from .common import cname, env_subject, failed, passed, role_scope, undecided

LEGACY_DEFAULT = "/var/lib/postgresql/data"


def default_pgdata(major: int) -> str:
    return LEGACY_DEFAULT if major <= 17 else f"/var/lib/postgresql/{major}/docker"


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    scope = role_scope(deployment, config, DATABASE, "PGDATA cannot lie inside a mounted volume")
    if scope.finding is not None:
        yield scope.finding
        return
    task, db = scope.task, scope.container
    assert task is not None and db is not None
    about = env_subject(db, "PGDATA")  # every verdict here is about the effective PGDATA

    var = lookup(db, "PGDATA")
    if isinstance(var, Unknown):
        yield undecided(f"cannot read PGDATA of database {cname(db)}: {explain_unknown(var)}", task, container=db, subject=about)
        return
    if isinstance(var, SecretVar):
        yield undecided(f"PGDATA of database {cname(db)} comes from a secret, so its path cannot be checked; set it in environment", task, container=db, subject=about)
        return
    explicit = isinstance(var, EnvVar)
    if explicit:
        if is_symbolic(var.value):
            yield undecided(f"PGDATA of database {cname(db)} is not known: {explain_unknown(var.value)}", task, container=db, subject=about)
            return
        if not isinstance(var.value, str) or not var.value.startswith("/"):
            yield failed(f"PGDATA of database {cname(db)} is {var.value!r}, not an absolute path", task, container=db, subject=about)
            return
        pgdata = norm_path(var.value)
        how = f"PGDATA {pgdata}"
    else:
        img = parse_image(db.image, deployment)
        if not img.decided or is_symbolic(img.tag):
            missing = img.missing if not img.decided else img.tag
            yield undecided(f"PGDATA of database {cname(db)} is not set and its image's default depends on the major, which is not known: {explain_unknown(missing)}", task, container=db, subject=about)
            return
        major = tag_major(img.tag) if is_official_postgres(img, config) else None
        assumed = major is None
        major = major if major is not None else config.postgres_major
        pgdata = default_pgdata(major)
        how = f"the image default PGDATA {pgdata} (Postgres {major}{', assumed from the configuration' if assumed else ''})"

    mounts = mounts_of(task, db, None)  # only the paths: whether the volume persists is CTJ024's verdict
    if isinstance(mounts, Unknown):
        yield undecided(f"cannot read the mounts of database {cname(db)}: {explain_unknown(mounts)}", task, container=db, subject=about)
        return
    if not explicit and major >= 18:
        at_legacy = [m for m in mounts if isinstance(m.mount.container_path, str) and norm_path(m.mount.container_path) == LEGACY_DEFAULT]
        if at_legacy:
            yield failed(f"database {cname(db)} runs Postgres {major}, which refuses to start with a volume at {LEGACY_DEFAULT} unless PGDATA is set; set PGDATA = \"{LEGACY_DEFAULT}/pgdata\" or mount the volume at /var/lib/postgresql", task, container=db, subject=about)
            return
    holding = [m for m in mounts if isinstance(m.mount.container_path, str) and path_within(pgdata, m.mount.container_path)]
    # the innermost mount is the one the data lands on
    holding.sort(key=lambda m: len(norm_path(m.mount.container_path)), reverse=True)
    if not holding:
        if any(not isinstance(m.mount.container_path, str) for m in mounts):
            yield undecided(f"cannot tell whether {how} is inside a mount of database {cname(db)}: a containerPath is not known", task, container=db, subject=about)
        else:
            yield failed(f"{how} of database {cname(db)} is not inside any mounted volume: the data dies with the task", task, container=db, subject=about)
        return
    m = holding[0]
    # whether that volume persists (and is writable) is CTJ024's verdict, not this rule's
    yield passed(f"{how} of database {cname(db)} is inside the mount at {m.mount.container_path} (its persistence: CTJ024)", task, container=db, subject=about)


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  volume {
    name = "pgdata"
    efs_volume_configuration {
      file_system_id = aws_efs_file_system.pgdata.id
    }
  }
  container_definitions = jsonencode([
    {
      # Postgres 18 keeps its data in /var/lib/postgresql/18/docker and refuses to
      # start with a volume at /var/lib/postgresql/data unless PGDATA is set
      name        = "postgres"
      image       = "postgres:18"
      mountPoints = [{ sourceVolume = "pgdata", containerPath = "/var/lib/postgresql/data" }]
    },
  ])
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family       = "civic-tech-jobs-stage"
  network_mode = "awsvpc"
  volume {
    name = "pgdata"
    efs_volume_configuration {
      file_system_id = aws_efs_file_system.pgdata.id
    }
  }
  container_definitions = jsonencode([
    {
      name        = "postgres"
      image       = "postgres:18"
      environment = [{ name = "PGDATA", value = "/var/lib/postgresql/data/pgdata" }]
      mountPoints = [{ sourceVolume = "pgdata", containerPath = "/var/lib/postgresql/data" }]
    },
  ])
}
"""


RULE = Rule(
    id="CTJ025",
    title="PGDATA inside the volume",
    severity=ERROR,
    summary="the effective `PGDATA` lies inside that volume (Postgres 18 changed the default)",
    rationale=(
        "The Stage 1 decision (docs/decision.md#database) runs the upstream postgres:18 image with its data on persistent "
        "storage. Postgres writes where PGDATA points, not where the volume is (docs/decision.md#what-the-tool-derives): images up to 17 default to "
        "/var/lib/postgresql/data, 18+ default to /var/lib/postgresql/<major>/docker and refuse to start when a "
        "volume is mounted at /var/lib/postgresql/data without an explicit PGDATA. The effective PGDATA must lie "
        "inside the database container's data mount; whether that mount persists and is writable is CTJ024's "
        "verdict, so each fault is reported once. When the image's major "
        "cannot be read from its tag (no tag, latest, digest only; CTJ021 fails those) the configured major is assumed."
    ),
    remediation=(
        "Either set PGDATA = \"/var/lib/postgresql/data/pgdata\" in the Postgres container's environment with the "
        "volume at /var/lib/postgresql/data, or (Postgres 18+) mount the volume at /var/lib/postgresql and leave "
        "PGDATA at the image default."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_025",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    needs=("database",),
)
