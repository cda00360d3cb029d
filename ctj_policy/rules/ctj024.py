"""CTJ024: the database's data directory is on a persistent volume."""

from __future__ import annotations

from collections.abc import Iterator

from ..config import Config
from ..model import ERROR, Deployment, Finding, Unknown
from ..queries import DATABASE, ctj_service, explain_unknown, launch_type, mounts_of, path_within
from .base import CTJ_TASK, TASK, CheckovNotes, Rule
from .common import cname, failed, passed, role_scope, undecided, volume_subject


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    data = config.data_path
    scope = role_scope(deployment, config, DATABASE, f"no volume can hold {data}")
    if scope.finding is not None:
        yield scope.finding
        return
    task, db = scope.task, scope.container
    assert task is not None and db is not None
    launch = launch_type(task, ctj_service(deployment, config, task))  # an undecided or missing service: the task's own word
    mounts = mounts_of(task, db, launch)
    if isinstance(mounts, Unknown):
        yield undecided(f"cannot read the mounts of database {cname(db)}: {explain_unknown(mounts)}", task, container=db)
        return
    relevant = [m for m in mounts if isinstance(m.mount.container_path, str) and path_within(data, m.mount.container_path)]
    unknown_paths = [m for m in mounts if not isinstance(m.mount.container_path, str)]
    good = [m for m in relevant if m.persistent is True]
    if good:
        m = good[0]
        yield passed(f"database {cname(db)} keeps {data} on a persistent mount at {m.mount.container_path}: {m.reason}", task, container=db, subject=volume_subject(db, m.mount.source_volume))
        return
    pending = [m for m in relevant if m.persistent is None]
    if pending:
        for m in pending:
            yield undecided(f"cannot tell whether the mount at {m.mount.container_path} of database {cname(db)} persists: {m.reason}", task, container=db, subject=volume_subject(db, m.mount.source_volume))
        return
    if unknown_paths and not relevant:
        yield undecided(f"containerPath of a mount of database {cname(db)} is not known: {explain_unknown(unknown_paths[0].mount.container_path)}", task, container=db)
        return
    if not relevant:
        yield failed(f"database {cname(db)} mounts no volume at {data} (or above it): its data dies with the task", task, container=db)
        return
    for m in relevant:
        yield failed(f"database {cname(db)} mount at {m.mount.container_path} does not persist: {m.reason}", task, container=db, subject=volume_subject(db, m.mount.source_volume))


BAD = """\
resource "aws_ecs_task_definition" "ctj" {
  family                   = "civic-tech-jobs-stage"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  volume {
    name = "pgdata" # a bind mount: task storage, gone with the task
  }
  container_definitions = jsonencode([
    {
      name        = "postgres"
      image       = "postgres:18"
      mountPoints = [{ sourceVolume = "pgdata", containerPath = "/var/lib/postgresql/data" }]
    },
  ])
}
"""

GOOD = """\
resource "aws_ecs_task_definition" "ctj" {
  family                   = "civic-tech-jobs-stage"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  volume {
    name = "pgdata"
    efs_volume_configuration {
      file_system_id     = aws_efs_file_system.pgdata.id
      transit_encryption = "ENABLED"
    }
  }
  container_definitions = jsonencode([
    {
      name        = "postgres"
      image       = "postgres:18"
      mountPoints = [{ sourceVolume = "pgdata", containerPath = "/var/lib/postgresql/data" }]
    },
  ])
}
"""


RULE = Rule(
    id="CTJ024",
    title="persistent data volume",
    severity=ERROR,
    summary="Postgres data on a persistent volume (EFS; on EC2 also host path / shared docker volume)",
    rationale=(
        "The Stage 1 decision (docs/decision.md#database) says the Postgres data dir at /var/lib/postgresql/data "
        "needs persistent storage, configured by DevOps in Terraform. The "
        "database container must mount, read-write, a task volume at that path or an ancestor that outlives the "
        "task: EFS on any launch type; on EC2 also host_path or a docker volume with scope 'shared'. A bind mount "
        "without host_path, a task-scoped docker volume and an ECS-managed EBS volume (configure_at_launch) go away "
        "with the task. The service's launch_type decides the launch type when set, then Fargate capacity "
        "providers, then requires_compatibilities; when none says, host_path/shared volumes are reported unknown."
    ),
    remediation=(
        "Add an aws_efs_file_system and a task volume { name = \"pgdata\" efs_volume_configuration { file_system_id = "
        "aws_efs_file_system.pgdata.id, transit_encryption = \"ENABLED\" } }, and mount it in the Postgres container: "
        "mountPoints = [{ sourceVolume = \"pgdata\", containerPath = \"/var/lib/postgresql/data\", readOnly = false }]."
    ),
    check=check,
    bad=BAD,
    good=GOOD,
    checkov_id="CKV_CTJ_024",
    resource_types=TASK,
    applies_to=CTJ_TASK,
    checkov=CheckovNotes(
        note="the launch type comes from the task's requires_compatibilities; HCL mode: the service's launch_type/capacity providers: ctj-policy only",
    ),
    needs=("database",),
)
