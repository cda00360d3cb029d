"""CTJ024: the database's data directory is on a persistent volume."""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..model import ERROR, FAIL, PASS, UNKNOWN, Deployment, Finding, Service, Unknown
from ..queries import DATABASE, ctj_service, explain_unknown, launch_type, mounts_of, path_within
from .base import Rule
from .common import cname, container_finding, role_scope


def check(deployment: Deployment, config: Config) -> Iterator[Finding]:
    data = config.data_path
    scope = role_scope(deployment, config, DATABASE, f"no volume can hold {data}")
    if scope.finding is not None:
        yield scope.finding
        return
    task, db = scope.task, scope.container
    assert task is not None and db is not None
    service = ctj_service(deployment, config, task)
    launch = launch_type(task, service if isinstance(service, Service) else None)
    mounts = mounts_of(task, db, launch)
    if isinstance(mounts, Unknown):
        yield container_finding(UNKNOWN, f"cannot read the mounts of database {cname(db)}: {explain_unknown(mounts)}", task, db)
        return
    relevant = [m for m in mounts if isinstance(m.mount.container_path, str) and path_within(data, m.mount.container_path)]
    unknown_paths = [m for m in mounts if not isinstance(m.mount.container_path, str)]
    good = [m for m in relevant if m.persistent is True]
    if good:
        m = good[0]
        yield container_finding(PASS, f"database {cname(db)} keeps {data} on a persistent mount at {m.mount.container_path}: {m.reason}", task, db)
        return
    undecided = [m for m in relevant if m.persistent is None]
    if undecided:
        for m in undecided:
            yield container_finding(UNKNOWN, f"cannot tell whether the mount at {m.mount.container_path} of database {cname(db)} persists: {m.reason}", task, db)
        return
    if unknown_paths and not relevant:
        yield container_finding(UNKNOWN, f"containerPath of a mount of database {cname(db)} is not known: {explain_unknown(unknown_paths[0].mount.container_path)}", task, db)
        return
    if not relevant:
        yield container_finding(FAIL, f"database {cname(db)} mounts no volume at {data} (or above it): its data dies with the task", task, db)
        return
    for m in relevant:
        yield container_finding(FAIL, f"database {cname(db)} mount at {m.mount.container_path} does not persist: {m.reason}", task, db)


RULE = Rule(
    id="CTJ024",
    title="persistent data volume",
    severity=ERROR,
    rationale=(
        "The Stage 1 decision (seed 001, part 4) says the Postgres data dir at /var/lib/postgresql/data needs "
        "persistent storage (configuration left to DevOps; seed 000: persistence is configured in Terraform). The "
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
)
