"""CTJ024: the database mounts, read-write, a persistent task volume at its data path (or above it)."""

from __future__ import annotations

import pytest

from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    DockerVolumeConfig,
    EfsVolumeConfig,
    MountPoint,
    Ref,
    TaskDefinition,
    Unknown,
    Volume,
)

from .builders import (
    AFTER_APPLY,
    AT_POSTGRES,
    AT_TASK,
    HINT,
    NO_TASK,
    SCOPE,
    SERVICE,
    TASK,
    TF_TASK,
    case,
    chain,
    edit,
    findings,
    hcl_findings,
    mount,
    no_task,
    on_service,
    on_task,
    renamed,
    sub,
    tf_tree,
    unknown_containers,
    unknown_role,
    volume,
)

RULE = "CTJ024"
DATA = "/var/lib/postgresql/data"
EFS = Volume("pgdata", efs=EfsVolumeConfig(Ref(f"{SCOPE}.aws_efs_file_system.pgdata", "id")))


def worker_task(dep):
    """A second task definition in scope (CTJ001 fails): the CTJ task and its service still decide."""
    dep.task_definitions.append(TaskDefinition(f"{SCOPE}.aws_ecs_task_definition.worker", family="ctj-worker", containers=()))
    return dep


def keeps(at, reason):
    return ("pass", f"database 'postgres' keeps {DATA} on a persistent mount at {at}: {reason}", AT_POSTGRES)


def lost(reason, at=DATA):
    return ("fail", f"database 'postgres' mount at {at} does not persist: {reason}", AT_POSTGRES)


def undecided(reason, at=DATA):
    return ("unknown", f"cannot tell whether the mount at {at} of database 'postgres' persists: {reason}", AT_POSTGRES)


CASES = [
    case("roles by image only (symbolic: ECR references)", chain(renamed, symbolic=True), ("pass", f"database 'store' keeps {DATA} on a persistent mount at {DATA}: volume 'pgdata' is EFS", AT_POSTGRES)),
    case("EFS", chain(), keeps(DATA, "volume 'pgdata' is EFS")),
    case("EFS at an ancestor", chain(mount("/var/lib/postgresql")), keeps("/var/lib/postgresql", "volume 'pgdata' is EFS")),
    case("EFS at the data path with a trailing slash", chain(mount(DATA + "/")), keeps(DATA + "/", "volume 'pgdata' is EFS")),
    case("EFS on Fargate", chain(volume(EFS, ("FARGATE",), "FARGATE")), keeps(DATA, "volume 'pgdata' is EFS")),
    case("readOnly false spelled out, None means read-write", chain(mount(DATA, None)), keeps(DATA, "volume 'pgdata' is EFS")),
    case("host_path on EC2", chain(volume(Volume("pgdata", host_path="/ecs/pgdata"))), keeps(DATA, "volume 'pgdata' is a host_path on EC2")),
    case(
        "host_path, EC2 from requires_compatibilities (EC2 and FARGATE)",
        chain(volume(Volume("pgdata", host_path="/ecs/pgdata"), ("FARGATE", "EC2"), None)),
        keeps(DATA, "volume 'pgdata' is a host_path on EC2"),
    ),
    case(
        "shared docker volume on EC2",
        chain(volume(Volume("pgdata", docker=DockerVolumeConfig(scope="shared", autoprovision=True)))),
        keeps(DATA, "volume 'pgdata' is a docker volume with scope 'shared' on EC2"),
    ),
    case(
        "a persistent mount wins over an ephemeral one above it",
        chain(lambda d: edit(d, "postgres", mount_points=(MountPoint("scratch", "/var/lib/postgresql"), MountPoint("pgdata", DATA))), on_task(volumes=(Volume("scratch"), EFS))),
        keeps(DATA, "volume 'pgdata' is EFS"),
    ),
    case("Fargate bind mount", chain(volume(Volume("pgdata"), ("FARGATE",), "FARGATE")), lost("volume 'pgdata' is a bind mount without host_path on FARGATE (ephemeral task storage)")),
    case("host_path on Fargate", chain(volume(Volume("pgdata", host_path="/x"), ("FARGATE",), "FARGATE")), lost("volume 'pgdata' is a host_path, which does not persist on FARGATE")),
    case(
        "host_path, Fargate by capacity provider",
        chain(volume(Volume("pgdata", host_path="/x"), ("EC2",), None), on_service(capacity_providers=("FARGATE_SPOT",))),
        lost("volume 'pgdata' is a host_path, which does not persist on FARGATE"),
    ),
    case("task-scoped docker volume", chain(volume(Volume("pgdata", docker=DockerVolumeConfig(scope="task")))), lost("volume 'pgdata' is a docker volume with scope 'task' (removed with the task)")),
    case(
        "docker volume with no scope (the default is task)",
        chain(volume(Volume("pgdata", docker=DockerVolumeConfig()))),
        lost("volume 'pgdata' is a docker volume with scope 'task' (removed with the task)"),
    ),
    case(
        "EBS volume configured at launch",
        chain(volume(Volume("pgdata", configure_at_launch=True))),
        lost("volume 'pgdata' is configured at launch (an ECS-managed EBS volume is deleted with its task)"),
    ),
    case("read-only", chain(mount(DATA, True)), lost(f"the mount at {DATA} is readOnly")),
    case("no mount", chain(lambda d: edit(d, "postgres", mount_points=())), ("fail", f"database 'postgres' mounts no volume at {DATA} (or above it): its data dies with the task", AT_POSTGRES)),
    case("mount below the data path only", chain(mount(DATA + "/pgdata")), ("fail", f"database 'postgres' mounts no volume at {DATA} (or above it): its data dies with the task", AT_POSTGRES)),
    case("a sibling path is not above it", chain(mount("/var/lib/postgresql/data2")), ("fail", f"database 'postgres' mounts no volume at {DATA} (or above it): its data dies with the task", AT_POSTGRES)),
    case("undeclared volume", chain(mount(DATA, source="missing")), lost(f"the mount at {DATA} names volume 'missing', which the task does not declare")),
    case("no task", chain(no_task), ("fail", f"{NO_TASK}: no volume can hold {DATA}")),
    case(
        "mounts that tell nothing do not hide the data mount after them",
        chain(
            lambda d: edit(d, "postgres", mount_points=(
                MountPoint("pgdata", "/a", Unknown(KNOWN_AFTER_APPLY, "var.ro")),
                MountPoint("pgdata", "/b", True),
                MountPoint("missing", "/c"),
                MountPoint(Unknown(KNOWN_AFTER_APPLY, "var.vol"), "/d"),
                MountPoint("pgdata", DATA),
            )),
        ),
        keeps(DATA, "volume 'pgdata' is EFS"),
    ),
    case("host_path, Fargate from requires_compatibilities", chain(volume(Volume("pgdata", host_path="/x"), ("FARGATE",), None)), lost("volume 'pgdata' is a host_path, which does not persist on FARGATE")),
    case("host_path, EXTERNAL from requires_compatibilities", chain(volume(Volume("pgdata", host_path="/x"), ("EXTERNAL",), None)), lost("volume 'pgdata' is a host_path, which does not persist on EXTERNAL")),
    case("host_path, capacity providers unknown: requires_compatibilities decides", chain(volume(Volume("pgdata", host_path="/x"), ("EC2",), None), on_service(capacity_providers=Unknown(KNOWN_AFTER_APPLY, "var.cps"))), keeps(DATA, "volume 'pgdata' is a host_path on EC2")),
    case("host_path, capacity provider names unknown: requires_compatibilities decides", chain(volume(Volume("pgdata", host_path="/x"), ("EC2",), None), on_service(capacity_providers=(Unknown(KNOWN_AFTER_APPLY, "var.cp"),))), keeps(DATA, "volume 'pgdata' is a host_path on EC2")),
    case(
        "host_path, the service's launch_type FARGATE, with a second task definition in scope",
        chain(volume(Volume("pgdata", host_path="/x"), ("EC2",), "FARGATE"), worker_task),
        lost("volume 'pgdata' is a host_path, which does not persist on FARGATE"),
    ),
    case("bind mount, launch type not stated", chain(volume(Volume("pgdata"), (), None)), lost("volume 'pgdata' is a bind mount without host_path (ephemeral task storage)")),
    # unknown: every branch
    case(
        "host_path, launch type from a module output",
        chain(volume(Volume("pgdata", host_path="/x"), ("EC2",), Ref(f"{SCOPE}.module.cluster", "launch_type"))),
        undecided(f"volume 'pgdata' is a host_path, persistent only on EC2, and the launch type is not known: launch_type of {SERVICE} is unresolved reference"),
    ),
    case("containers unknown", chain(unknown_containers), ("unknown", f"cannot check the database container of {TASK}: {AFTER_APPLY}", AT_TASK)),
    case(
        "database role undecided",
        chain(unknown_role("postgres", "c3")),
        ("unknown", f"cannot tell which container of {TASK} is the database: {TASK}.container_definitions.c3.image is known after apply; {HINT}", AT_TASK),
    ),
    case(
        "mount points unknown",
        chain(lambda d: edit(d, "postgres", mount_points=Unknown(KNOWN_AFTER_APPLY, "var.mounts"))),
        ("unknown", f"cannot read the mounts of database 'postgres': var.mounts is known after apply; {HINT}", AT_POSTGRES),
    ),
    case(
        "volumes unknown",
        chain(on_task(volumes=Unknown(KNOWN_AFTER_APPLY, f"{TASK}.volume"))),
        ("unknown", f"cannot read the mounts of database 'postgres': {TASK}.volume is known after apply; {HINT}", AT_POSTGRES),
    ),
    case("readOnly unknown", chain(mount(DATA, Unknown(KNOWN_AFTER_APPLY, "var.ro"))), undecided(f"readOnly of the mount at {DATA} is not known: var.ro is known after apply; {HINT}")),
    case(
        "sourceVolume unknown",
        chain(mount(DATA, False, Unknown(KNOWN_AFTER_APPLY, "var.volume"))),
        undecided(f"sourceVolume of the mount at {DATA} is not known: var.volume is known after apply; {HINT}"),
    ),
    case(
        "docker scope unknown",
        chain(volume(Volume("pgdata", docker=DockerVolumeConfig(scope=Unknown(KNOWN_AFTER_APPLY, "var.scope"))))),
        undecided(f"docker scope of volume 'pgdata' is not known: var.scope is known after apply; {HINT}"),
    ),
    case(
        "host_path, launch type unknown",
        chain(volume(Volume("pgdata", host_path="/x"), ("EC2",), Unknown(KNOWN_AFTER_APPLY, "var.launch_type"))),
        undecided(f"volume 'pgdata' is a host_path, persistent only on EC2, and the launch type is not known: var.launch_type is known after apply; {HINT}"),
    ),
    case(
        "host_path, launch type not stated",
        chain(volume(Volume("pgdata", host_path="/x"), (), None)),
        undecided("volume 'pgdata' is a host_path, persistent only on EC2, and neither requires_compatibilities nor the service's launch_type says EC2; set requires_compatibilities = [\"EC2\"]"),
    ),
    case(
        "containerPath unknown",
        chain(mount(Unknown(KNOWN_AFTER_APPLY, "var.path"))),
        ("unknown", f"containerPath of a mount of database 'postgres' is not known: var.path is known after apply; {HINT}", AT_POSTGRES),
    ),
]


@pytest.mark.parametrize("build, expected", CASES)
def test_model(build, expected):
    assert findings(RULE, build()) == expected


HCL_VOLUME = '  volume {\n    name = "pgdata"\n    efs_volume_configuration {\n      file_system_id = aws_efs_file_system.pgdata.id\n    }\n  }\n'

HCL = [
    case("stage1", {}, ("pass", f"database 'postgres' keeps {DATA} on a persistent mount at {DATA}: volume 'pgdata' is EFS", TF_TASK)),
    case(
        "Fargate bind mount",
        {"task.tf": sub('["EC2"]', '["FARGATE"]', HCL_VOLUME, '  volume {\n    name = "pgdata"\n  }\n'), "service.tf": sub('launch_type                        = "EC2"', 'launch_type                        = "FARGATE"')},
        ("fail", f"database 'postgres' mount at {DATA} does not persist: volume 'pgdata' is a bind mount without host_path on FARGATE (ephemeral task storage)", TF_TASK),
    ),
    case(
        "docker volume without a scope",
        {"task.tf": sub(HCL_VOLUME, '  volume {\n    name = "pgdata"\n    docker_volume_configuration {\n      driver = "local"\n    }\n  }\n')},
        ("fail", f"database 'postgres' mount at {DATA} does not persist: volume 'pgdata' is a docker volume with scope 'task' (removed with the task)", TF_TASK),
    ),
    case(
        "shared docker volume",
        {"task.tf": sub(HCL_VOLUME, '  volume {\n    name = "pgdata"\n    docker_volume_configuration {\n      scope         = "shared"\n      autoprovision = true\n    }\n  }\n')},
        ("pass", f"database 'postgres' keeps {DATA} on a persistent mount at {DATA}: volume 'pgdata' is a docker volume with scope 'shared' on EC2", TF_TASK),
    ),
    case(
        "read-only mount",
        {"postgres.tf": sub('containerPath = "/var/lib/postgresql/data" }', 'containerPath = "/var/lib/postgresql/data", readOnly = true }')},
        ("fail", f"database 'postgres' mount at {DATA} does not persist: the mount at {DATA} is readOnly", TF_TASK),
    ),
]


@pytest.mark.parametrize("files, expected", HCL)
def test_hcl(files, expected, tmp_path):
    assert hcl_findings(RULE, tf_tree(tmp_path, files)) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("no task", [("fail", "task", "", None)]),
    ("database role undecided", [("unknown", "task", TASK, None)]),
    # a verdict on a mount is about the volume it mounts
    ("EFS", [("pass", "volume", "pgdata", "postgres")]),
    ("a persistent mount wins over an ephemeral one above it", [("pass", "volume", "pgdata", "postgres")]),
    ("Fargate bind mount", [("fail", "volume", "pgdata", "postgres")]),
    ("undeclared volume", [("fail", "volume", "missing", "postgres")]),
    ("readOnly unknown", [("unknown", "volume", "pgdata", "postgres")]),
    ("sourceVolume unknown", [("unknown", "volume", "${var.volume is known after apply}", "postgres")]),
    # no mount to judge: about the database container
    ("mount points unknown", [("unknown", "container", "postgres", None)]),
    ("containerPath unknown", [("unknown", "container", "postgres", None)]),
    ("no mount", [("fail", "container", "postgres", None)]),
])
def test_what_the_findings_are_about(name, expected):
    """Each finding's subject (kind, name, container): what a baseline fingerprint and the diagram key on."""
    from .builders import build_of, subjects

    assert subjects(RULE, build_of(CASES, name)()) == expected
