"""Everything the per-rule tests share (tests/rules/test_ctjNNN.py).

Two ways to state a case, both "Stage 1, except ...":

* the model: ``stage1()`` is the correct Stage 1 shape of fixtures/DESIGN.md as
  the model sees it after the loader: ``symbolic=False`` with the values a plan
  knows (literal ARNs and URLs), ``symbolic=True`` as on the cutover plan or in
  HCL mode (ECR URLs, secret and target group ARNs as Refs/Templates).  The
  mutators change one thing each and return the deployment, so ``chain(m1, m2)``
  reads as the case.
* Terraform text: ``STAGE1_TF`` is a minimal, valid Stage 1 root module split
  into small files; ``tf_tree(tmp_path, {"postgres.tf": sub(...)})`` writes it
  with a file replaced, edited, added or removed, and ``hcl_findings`` runs one
  rule on what the HCL loader makes of it.

A case expects the EXACT findings of one rule, in order: ``(status, message)``
for a finding without a source location, ``(status, message, "file:line")``
for one with.  Only the public API is used: ``ctj_policy.rules.get_rule``,
the model, the config and the loaders.
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ctj_policy.config import DEFAULT
from ctj_policy.model import (
    KNOWN_AFTER_APPLY,
    AutoscalingTarget,
    Container,
    DatabaseResource,
    Dependency,
    Deployment,
    EcrRepository,
    EfsVolumeConfig,
    EnvVar,
    IngressRule,
    ListenerRule,
    LoadBalancerAttachment,
    Location,
    ModuleCall,
    MountPoint,
    PortMapping,
    Ref,
    RuleAction,
    RuleCondition,
    Secret,
    SecretVar,
    Service,
    TargetGroup,
    TaskDefinition,
    Template,
    Unknown,
    Volume,
)
from ctj_policy.rules import get_rule

CONFIG = DEFAULT
SCOPE = "module.civic-tech-jobs"
SVC = f"{SCOPE}.module.civic_tech_jobs_stage_service"
TASK = f"{SVC}.aws_ecs_task_definition.task"
SERVICE = f"{SVC}.aws_ecs_service.this"
TG_BACKEND = f"{SVC}.aws_lb_target_group.backend"
TG_FRONTEND = f"{SVC}.aws_lb_target_group.frontend"
RULE_API = f"{SVC}.aws_lb_listener_rule.api"
RULE_ADMIN = f"{SVC}.aws_lb_listener_rule.admin"
RULE_FRONTEND = f"{SVC}.aws_lb_listener_rule.frontend"
SG_TASK = f"{SVC}.aws_security_group.task"
ECR_FRONTEND = f"{SCOPE}.module.civic_tech_jobs_ecr_frontend.aws_ecr_repository.this"
ECR_BACKEND = f"{SCOPE}.module.civic_tech_jobs_ecr_backend.aws_ecr_repository.this"
SECRET_DB = f"{SCOPE}.aws_secretsmanager_secret.db"
SECRET_DJANGO = f"{SCOPE}.aws_secretsmanager_secret.django"

ACCOUNT = "123456789012"
REGISTRY = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"
DB_ARN = f"arn:aws:secretsmanager:us-west-2:{ACCOUNT}:secret:civic-tech-jobs/stage/db-AbCdEf"
DJANGO_ARN = f"arn:aws:secretsmanager:us-west-2:{ACCOUNT}:secret:civic-tech-jobs/stage/django-GhIjKl"
TG_ARN = f"arn:aws:elasticloadbalancing:us-west-2:{ACCOUNT}:targetgroup"
LISTENER = f"arn:aws:elasticloadbalancing:us-west-2:{ACCOUNT}:listener/app/incubator-prod-lb/1/2"

TF_FILE = "projects/civic-tech-jobs/environment-stage.tf"
MODULE_FILE = "modules/multi-container-service/main.tf"


def loc(line: int, file: str = MODULE_FILE) -> Location:
    return Location(file, line)


def after_apply(where: str) -> Unknown:
    return Unknown(KNOWN_AFTER_APPLY, where)


# --------------------------------------------------------------------------
# the correct shape
# --------------------------------------------------------------------------


def _containers(symbolic: bool) -> tuple[Container, ...]:
    if symbolic:
        backend_image: Any = Template((Ref(ECR_BACKEND, "repository_url"), ":stage"))
        frontend_image: Any = Template((Ref(ECR_FRONTEND, "repository_url"), ":stage"))
        db_password: Any = Template((Ref(SECRET_DB, "arn"), ":password::"))
        django_key: Any = Ref(SECRET_DJANGO, "arn")
    else:
        backend_image = f"{REGISTRY}/civic-tech-jobs-backend:stage"
        frontend_image = f"{REGISTRY}/civic-tech-jobs-frontend:stage"
        db_password = f"{DB_ARN}:password::"
        django_key = DJANGO_ARN
    django = Container(
        name="django",
        image=backend_image,
        essential=True,
        port_mappings=(PortMapping(8000, protocol="tcp"),),
        environment=(
            EnvVar("SQL_HOST", "localhost"),
            EnvVar("SQL_PORT", "5432"),
            EnvVar("SQL_DATABASE", "ctj"),
            EnvVar("SQL_USER", "ctj"),
            EnvVar("DJANGO_ALLOWED_HOSTS", "stage.civictechjobs.org"),
            EnvVar("DJANGO_DEBUG", "False"),
        ),
        secrets=(SecretVar("SQL_PASSWORD", db_password), SecretVar("DJANGO_SECRET_KEY", django_key)),
        depends_on=(Dependency("postgres", "HEALTHY"),),
        location=loc(40, TF_FILE),
    )
    nextjs = Container(
        name="nextjs",
        image=frontend_image,
        essential=True,
        port_mappings=(PortMapping(3000, protocol="tcp"),),
        environment=(EnvVar("NODE_ENV", "production"), EnvVar("API_URL", "http://localhost:8000")),
        depends_on=(Dependency("django", "START"),),
        location=loc(70, TF_FILE),
    )
    postgres = Container(
        name="postgres",
        image="postgres:18.1",
        essential=True,
        environment=(
            EnvVar("POSTGRES_USER", "ctj"),
            EnvVar("POSTGRES_DB", "ctj"),
            EnvVar("PGDATA", "/var/lib/postgresql/data/pgdata"),
        ),
        secrets=(SecretVar("POSTGRES_PASSWORD", db_password),),
        mount_points=(MountPoint("pgdata", "/var/lib/postgresql/data", False),),
        health_check={"command": ["CMD-SHELL", "pg_isready -U ctj -d ctj"]},
        location=loc(90, TF_FILE),
    )
    return (django, nextjs, postgres)


def stage1(symbolic: bool = False) -> Deployment:
    """The correct Stage 1 deployment (fixtures/DESIGN.md)."""

    def tg_arn(address: str, suffix: str) -> Any:
        return Ref(address, "arn") if symbolic else f"{TG_ARN}/{suffix}"

    backend_tg = TargetGroup(TG_BACKEND, name="ctj-stage-django", arn=tg_arn(TG_BACKEND, "ctj-stage-django/1"), port=8000, protocol="HTTP", target_type="ip", location=loc(60))
    frontend_tg = TargetGroup(TG_FRONTEND, name="ctj-stage-nextjs", arn=tg_arn(TG_FRONTEND, "ctj-stage-nextjs/2"), port=3000, protocol="HTTP", target_type="ip", location=loc(70))
    task = TaskDefinition(
        TASK,
        family="civic-tech-jobs-stage",
        network_mode="awsvpc",
        requires_compatibilities=("EC2",),
        containers=_containers(symbolic),
        volumes=(Volume("pgdata", efs=EfsVolumeConfig(Ref(f"{SCOPE}.aws_efs_file_system.pgdata", "id"), transit_encryption="ENABLED")),),
        arn=Ref(TASK, "arn"),
        location=loc(1),
    )
    service = Service(
        SERVICE,
        name="civic-tech-jobs-stage",
        task_definition=Ref(TASK, "arn"),
        desired_count=1,
        deployment_maximum_percent=100,
        deployment_minimum_healthy_percent=0,
        launch_type="EC2",
        load_balancers=(
            LoadBalancerAttachment(backend_tg.arn, "django", 8000),
            LoadBalancerAttachment(frontend_tg.arn, "nextjs", 3000),
        ),
        name_ref=Ref(SERVICE, "name"),
        location=loc(30),
    )

    def rule(address: str, priority: Any, path: str, tg: TargetGroup, line: int) -> ListenerRule:
        return ListenerRule(
            address,
            listener=LISTENER,
            priority=priority,
            conditions=(RuleCondition(path_patterns=(path,)), RuleCondition(host_headers=("stage.civictechjobs.org",))),
            actions=(RuleAction("forward", (tg.arn,)),),
            location=loc(line),
        )

    def repo(address: str, name: str) -> EcrRepository:
        url = Ref(address, "repository_url") if symbolic else f"{REGISTRY}/{name}"
        return EcrRepository(address, name=name, repository_url=url, location=loc(1, "modules/ecr/main.tf"))

    return Deployment(
        scope=SCOPE,
        task_definitions=[task],
        services=[service],
        target_groups=[backend_tg, frontend_tg],
        listener_rules=[
            rule(RULE_API, 100, "/api/*", backend_tg, 80),
            rule(RULE_ADMIN, 101, "/admin/*", backend_tg, 95),
            rule(RULE_FRONTEND, 110, "/*", frontend_tg, 110),
        ],
        ingress_rules=[
            IngressRule(f"{SG_TASK}.ingress[0]", from_port=3000, to_port=3000, protocol="tcp", sources=("10.10.0.0/16",), location=loc(130)),
            IngressRule(f"{SG_TASK}.ingress[1]", from_port=8000, to_port=8000, protocol="tcp", sources=("10.10.0.0/16",), location=loc(136)),
        ],
        ecr_repositories=[repo(ECR_FRONTEND, "civic-tech-jobs-frontend"), repo(ECR_BACKEND, "civic-tech-jobs-backend")],
        secrets=[
            Secret(SECRET_DB, name="civic-tech-jobs/stage/db", arn=Ref(SECRET_DB, "arn") if symbolic else DB_ARN),
            Secret(SECRET_DJANGO, name="civic-tech-jobs/stage/django", arn=Ref(SECRET_DJANGO, "arn") if symbolic else DJANGO_ARN),
        ],
        module_calls=[
            ModuleCall(f"{SCOPE}.module.civic_tech_jobs_ecr_frontend", name="civic_tech_jobs_ecr_frontend", source="../../modules/ecr"),
            ModuleCall(f"{SCOPE}.module.civic_tech_jobs_ecr_backend", name="civic_tech_jobs_ecr_backend", source="../../modules/ecr"),
            ModuleCall(f"{SCOPE}.module.civic_tech_jobs_stage_dns_entry", name="civic_tech_jobs_stage_dns_entry", source="../../modules/dns-entry"),
            ModuleCall(SVC, name="civic_tech_jobs_stage_service", source="../../modules/multi-container-service"),
        ],
    )


# --------------------------------------------------------------------------
# accessors and mutators (each returns the deployment, so they chain)
# --------------------------------------------------------------------------


def task(dep: Deployment) -> TaskDefinition:
    return dep.task_definitions[0]


def service(dep: Deployment) -> Service:
    return dep.services[0]


def container(dep: Deployment, name: str) -> Container:
    c = task(dep).container_named(name)
    assert c is not None, name
    return c


def tg(dep: Deployment, address: str) -> TargetGroup:
    return next(t for t in dep.target_groups if t.address == address)


def listener_rule(dep: Deployment, address: str) -> ListenerRule:
    return next(r for r in dep.listener_rules if r.address == address)


def edit(dep: Deployment, which: str, /, **changes: Any) -> Deployment:
    """Replace fields of container ``which``."""
    t = task(dep)
    t.containers = tuple(replace(c, **changes) if c.name == which else c for c in t.containers)
    return dep


def drop_container(dep: Deployment, name: str) -> Deployment:
    t = task(dep)
    t.containers = tuple(c for c in t.containers if c.name != name)
    return dep


def add_container(dep: Deployment, c: Container) -> Deployment:
    t = task(dep)
    t.containers = (*t.containers, c)
    return dep


def set_env(dep: Deployment, name: str, var: str, value: Any, sensitive: bool = False) -> Deployment:
    """Set ``var`` in container ``name``'s environment (replacing, or appending)."""
    c = container(dep, name)
    env = [e for e in c.environment if e.name != var]
    env.append(EnvVar(var, value, sensitive))
    return edit(dep, name, environment=tuple(env))


def del_env(dep: Deployment, name: str, var: str) -> Deployment:
    c = container(dep, name)
    return edit(dep, name, environment=tuple(e for e in c.environment if e.name != var))


def set_secret(dep: Deployment, name: str, var: str, value_from: Any) -> Deployment:
    c = container(dep, name)
    secrets = [s for s in c.secrets if s.name != var]
    secrets.append(SecretVar(var, value_from))
    return edit(dep, name, secrets=tuple(secrets))


def del_secret(dep: Deployment, name: str, var: str) -> Deployment:
    c = container(dep, name)
    return edit(dep, name, secrets=tuple(s for s in c.secrets if s.name != var))


def env_to_secret(dep: Deployment, name: str, var: str, value_from: Any) -> Deployment:
    return set_secret(del_env(dep, name, var), name, var, value_from)


def secret_to_env(dep: Deployment, name: str, var: str, value: Any) -> Deployment:
    return set_env(del_secret(dep, name, var), name, var, value)


def unknown_containers(dep: Deployment) -> Deployment:
    task(dep).containers = after_apply(f"{TASK}.container_definitions")
    return dep


def legacy() -> Deployment:
    """Today's (pre-rewrite) CTJ project, SPEC section 2."""
    mod = f"{SCOPE}.module.civic_tech_jobs_fullstack_stage_service"
    ecr = f"{SCOPE}.module.civic_tech_jobs_ecr_fullstack.aws_ecr_repository.this"
    td = TaskDefinition(
        f"{mod}.aws_ecs_task_definition.task",
        family="civic-tech-jobs-fs-stage",
        network_mode="awsvpc",
        requires_compatibilities=("EC2",),
        containers=(
            Container(
                name="civic-tech-jobs-fs-stage",
                image=Template((Ref(ecr, "repository_url"), ":stage")),
                port_mappings=(PortMapping(8000),),
                environment=(EnvVar("SECRET_KEY", "cookie-key-value-123", sensitive=True), EnvVar("SQL_HOST", Ref(f"{SCOPE}.module.civic_tech_jobs_stage_database", "host"))),
                secrets=(SecretVar("SQL_PASSWORD", Ref(f"{SCOPE}.module.civic_tech_jobs_stage_database", "owner_password_arn")),),
            ),
        ),
    )
    tgl = TargetGroup(f"{mod}.aws_lb_target_group.this", name="civic-tech-jobs-fs-stage", arn=Ref(f"{mod}.aws_lb_target_group.this", "arn"), port=8000, target_type="ip")
    return Deployment(
        scope=SCOPE,
        task_definitions=[td],
        services=[
            Service(
                f"{mod}.aws_ecs_service.fargate[0]",
                name="civic-tech-jobs-fs-stage",
                task_definition=Ref(td.address, "arn"),
                desired_count=1,
                launch_type="EC2",
                load_balancers=(LoadBalancerAttachment(tgl.arn, "civic-tech-jobs-fs-stage", 8000),),
            )
        ],
        target_groups=[tgl],
        listener_rules=[
            ListenerRule(
                f"{mod}.aws_lb_listener_rule.static",
                priority=200,
                conditions=(RuleCondition(path_patterns=("/*",)),),
                actions=(RuleAction("forward", (tgl.arn,)),),
            )
        ],
        ingress_rules=[IngressRule(f"{mod}.aws_security_group.container.ingress[0]", from_port=8000, to_port=8000, protocol="tcp", sources=("10.10.0.0/16",))],
        ecr_repositories=[EcrRepository(ecr, name="civic-tech-jobs-fullstack", repository_url=Ref(ecr, "repository_url"))],
        databases=[
            DatabaseResource(f"{SCOPE}.module.civic_tech_jobs_stage_database", kind="module"),
            DatabaseResource(f"{SCOPE}.module.civic_tech_jobs_stage_database.data.aws_db_instance.shared", kind="data", identifier="incubator-prod-database"),
            DatabaseResource(f"{SCOPE}.module.civic_tech_jobs_stage_database.postgresql_role.this", kind="resource"),
        ],
        module_calls=[
            ModuleCall(f"{SCOPE}.module.civic_tech_jobs_ecr_fullstack", name="civic_tech_jobs_ecr_fullstack", source="../../modules/ecr"),
            ModuleCall(mod, name="civic_tech_jobs_fullstack_stage_service", source="../../modules/container"),
            ModuleCall(f"{SCOPE}.module.civic_tech_jobs_stage_database", name="civic_tech_jobs_stage_database", source="../../modules/database"),
        ],
    )


def autoscaling(dep: Deployment, max_capacity: Any, address: str = f"{SCOPE}.aws_appautoscaling_target.ecs", location: Location | None = None) -> Deployment:
    dep.autoscaling_targets.append(
        AutoscalingTarget(
            address,
            location=location,
            resource_id=Template(("service/incubator-prod/", Ref(SERVICE, "name"))),
            min_capacity=1,
            max_capacity=max_capacity,
            scalable_dimension="ecs:service:DesiredCount",
        )
    )
    return dep



# --------------------------------------------------------------------------
# more mutators, shared by several rules' tests
# --------------------------------------------------------------------------


def no_task(dep: Deployment) -> Deployment:
    return replace(dep, task_definitions=[])


def no_service(dep: Deployment) -> Deployment:
    return replace(dep, services=[])


def image(value: Any) -> Callable[[Deployment], Deployment]:
    """The database container's image."""
    return lambda d: edit(d, "postgres", image=value)


def on_service(**changes: Any) -> Callable[[Deployment], Deployment]:
    def mutate(dep: Deployment) -> Deployment:
        for k, v in changes.items():
            setattr(service(dep), k, v)
        return dep

    return mutate


def on_task(**changes: Any) -> Callable[[Deployment], Deployment]:
    def mutate(dep: Deployment) -> Deployment:
        for k, v in changes.items():
            setattr(task(dep), k, v)
        return dep

    return mutate


def on_tg(address: str, **changes: Any) -> Callable[[Deployment], Deployment]:
    def mutate(dep: Deployment) -> Deployment:
        for k, v in changes.items():
            setattr(tg(dep, address), k, v)
        return dep

    return mutate


def with_rule(address: str, **changes: Any) -> Callable[[Deployment], Deployment]:
    """Change fields of the listener rule at ``address``."""

    def mutate(dep: Deployment) -> Deployment:
        r = listener_rule(dep, address)
        for k, v in changes.items():
            setattr(r, k, v)
        return dep

    return mutate


def remove_rule(address: str) -> Callable[[Deployment], Deployment]:
    def mutate(dep: Deployment) -> Deployment:
        dep.listener_rules = [r for r in dep.listener_rules if r.address != address]
        return dep

    return mutate


def add_rule(address: str, priority: Any, path: str, tg_address: str) -> Callable[[Deployment], Deployment]:
    """A listener rule forwarding ``path`` to the target group at ``tg_address``."""

    def mutate(dep: Deployment) -> Deployment:
        target = tg(dep, tg_address).arn
        dep.listener_rules.append(
            ListenerRule(address, priority=priority, conditions=(RuleCondition(path_patterns=(path,)),), actions=(RuleAction("forward", (target,)),))
        )
        return dep

    return mutate


def retarget(rule_address: str, target: Any) -> Callable[[Deployment], Deployment]:
    """Make a listener rule forward to ``target``: a target group address in the
    deployment (its arn is used) or any other value (used as is)."""

    def mutate(dep: Deployment) -> Deployment:
        known = {t.address: t.arn for t in dep.target_groups}
        value = known.get(target, target) if isinstance(target, str) else target
        listener_rule(dep, rule_address).actions = (RuleAction("forward", (value,)),)
        return dep

    return mutate


def lbs(*attachments: tuple[Any, Any, Any]) -> Callable[[Deployment], Deployment]:
    """Replace the service's load_balancer blocks: (target group address or value, container, port)."""

    def mutate(dep: Deployment) -> Deployment:
        arn = {t.address: t.arn for t in dep.target_groups}
        service(dep).load_balancers = tuple(
            LoadBalancerAttachment(arn.get(t, t) if isinstance(t, str) else t, c, p) for t, c, p in attachments
        )
        return dep

    return mutate


def second_service(task_definition: Any, address: str = f"{SCOPE}.aws_ecs_service.copy") -> Callable[[Deployment], Deployment]:
    def mutate(dep: Deployment) -> Deployment:
        dep.services.append(Service(address, name="copy", task_definition=task_definition, desired_count=1, deployment_maximum_percent=100, deployment_minimum_healthy_percent=0))
        return dep

    return mutate


def volume(v: Volume, compat: tuple = ("EC2",), launch: Any = "EC2") -> Callable[[Deployment], Deployment]:
    """The task's only volume, its requires_compatibilities and the service's launch_type."""

    def mutate(dep: Deployment) -> Deployment:
        t = task(dep)
        t.volumes = (v,)
        t.requires_compatibilities = compat
        service(dep).launch_type = launch
        return dep

    return mutate


def mount(path: Any, read_only: Any = False, source: Any = "pgdata") -> Callable[[Deployment], Deployment]:
    """The database container's only mount point."""
    return lambda d: edit(d, "postgres", mount_points=(MountPoint(source, path, read_only),))


# what makes a container's role by evidence (SPEC section 3: ports, variable names, command, health check)
NO_EVIDENCE = {"port_mappings": (), "environment": (), "secrets": (), "command": (), "health_check": None}


def unknown_role(name: str, new_name: str) -> Callable[[Deployment], Deployment]:
    """Container ``name`` renamed to a name that tells no role, with an image known only after apply and
    no other evidence (no ports, variables, command or health check): its role cannot be decided."""
    return lambda d: edit(d, name, name=new_name, image=after_apply(f"{TASK}.container_definitions.{new_name}.image"), **NO_EVIDENCE)


def no_role(name: str, new_name: str, image: Any) -> Callable[[Deployment], Deployment]:
    """Container ``name`` renamed to a name that tells no role, with ``image`` and no evidence of any role."""
    return lambda d: edit(d, name, name=new_name, image=image, **NO_EVIDENCE)


RENAMED = {"django": "app", "nextjs": "ui", "postgres": "store"}


def renamed(dep: Deployment) -> Deployment:
    """Containers renamed so their names tell no role (app, ui, store), references to them updated:
    only the images (ECR references, the postgres image) can tell the roles."""
    t = task(dep)
    t.containers = tuple(
        replace(c, name=RENAMED[c.name], depends_on=tuple(replace(x, container_name=RENAMED.get(x.container_name, x.container_name)) for x in c.depends_on))
        for c in t.containers
    )
    s = service(dep)
    s.load_balancers = tuple(replace(lb, container_name=RENAMED.get(lb.container_name, lb.container_name)) for lb in s.load_balancers)
    return dep


def renamed_backend(dep: Deployment, name: str) -> Deployment:
    """After renamed(): the backend container ('app') called ``name``."""
    t = task(dep)
    t.containers = tuple(replace(c, name=name) if c.name == "app" else c for c in t.containers)
    s = service(dep)
    s.load_balancers = tuple(replace(lb, container_name=name) if lb.container_name == "app" else lb for lb in s.load_balancers)
    return dep


ECR_WORKER = f"{SCOPE}.module.civic_tech_jobs_ecr_worker.aws_ecr_repository.this"


def image_from_another_repo(name: str) -> Callable[[Deployment], Deployment]:
    """Container ``name`` runs an image from a third ECR repository in scope (neither the backend's nor the
    frontend's): with the deployment its image is decided and names no role, so evidence decides it."""

    def mutate(dep: Deployment) -> Deployment:
        url = Ref(ECR_WORKER, "repository_url")
        dep.ecr_repositories.append(EcrRepository(ECR_WORKER, name="civic-tech-jobs-worker", repository_url=url, location=loc(1, "modules/ecr/main.tf")))
        return edit(dep, name, image=Template((url, ":stage")))

    return mutate


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------

# what the rules say when there is no task, or its containers are known only after apply
NO_TASK = "no CTJ task definition in scope (see CTJ001)"
HINT = "re-run with --source-dir terraform/ to evaluate it from the sources"
AFTER_APPLY = f"{TASK}.container_definitions is known after apply; {HINT}"

# where the stage1() elements are defined ("file:line", as a finding's location prints)
AT_TASK = str(loc(1))
AT_SERVICE = str(loc(30))
AT_TG_BACKEND = str(loc(60))
AT_TG_FRONTEND = str(loc(70))
AT_RULE_API = str(loc(80))
AT_RULE_ADMIN = str(loc(95))
AT_RULE_FRONTEND = str(loc(110))
AT_INGRESS_3000 = str(loc(130))
AT_INGRESS_8000 = str(loc(136))
AT_DJANGO = str(loc(40, TF_FILE))
AT_NEXTJS = str(loc(70, TF_FILE))
AT_POSTGRES = str(loc(90, TF_FILE))
AT_ECR = str(loc(1, "modules/ecr/main.tf"))


def case(name: str, build: Any, *expected: tuple, xfail: str | None = None) -> Any:
    """One named row of a rule's table: the input and the exact findings expected.

    ``xfail`` marks a row whose expectation is right and today's code wrong
    (strict: the row fails the suite once the code is fixed, so the mark goes).
    """
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(build, list(expected), id=name, marks=marks)


def chain(*mutators: Callable[[Deployment], Deployment], symbolic: bool = False) -> Callable[[], Deployment]:
    """A builder: stage1(symbolic), then each mutator in turn."""

    def build() -> Deployment:
        dep = stage1(symbolic)
        for m in mutators:
            dep = m(dep)
        return dep

    return build


def _row(f: Any, root: Path | None = None) -> tuple:
    if f.location is None:
        return (f.status, f.message)
    file = f.location.file
    if root is not None:
        with contextlib.suppress(ValueError):
            file = Path(file).resolve().relative_to(root.resolve()).as_posix()
    return (f.status, f.message, f"{file}:{f.location.line}")


def _owners(dep: Deployment) -> dict[Location, set[str]]:
    """Where each model element is defined -> the address a finding about it carries: a resource's
    own address; for a container, its task definition's."""
    out: dict[Location, set[str]] = {}
    for r in dep.all_resources():
        if r.location is not None:
            out.setdefault(r.location, set()).add(r.address)
    for t in dep.task_definitions:
        if isinstance(t.containers, tuple):
            for c in t.containers:
                if c.location is not None:
                    out.setdefault(c.location, set()).add(t.address)
    return out


def check_address(f: Any, dep: Deployment) -> None:
    """A finding's address is that of the thing it is located at (or of a resource in the deployment)."""
    if f.location is not None:
        owners = _owners(dep).get(f.location, set())
        assert f.address in owners, f"{f.message!r}: address {f.address!r}, but {f.location} defines {sorted(owners)}"
    elif f.address is not None:
        assert any(r.address == f.address for r in dep.all_resources()), f"{f.message!r}: address {f.address!r} is in no resource"


def findings(rule_id: str, dep: Deployment, config=CONFIG) -> list[tuple]:
    """Every finding of one rule: (status, message[, "file:line"]); each address is checked too."""
    out = []
    for f in get_rule(rule_id).check(dep, config):
        check_address(f, dep)
        out.append(_row(f))
    return out


def run(rule_id: str, dep: Deployment, config=CONFIG) -> list[tuple[str, str]]:
    """(status, message) of every finding of one rule."""
    return [(f.status, f.message) for f in get_rule(rule_id).check(dep, config)]


# --------------------------------------------------------------------------
# Terraform text: a minimal Stage 1 root module
# --------------------------------------------------------------------------

STAGE1_TF: dict[str, str] = {
    "ecr.tf": """\
        resource "aws_ecr_repository" "frontend" {
          name = "civic-tech-jobs-frontend"
        }

        resource "aws_ecr_repository" "backend" {
          name = "civic-tech-jobs-backend"
        }
        """,
    "secrets.tf": """\
        resource "aws_secretsmanager_secret" "db" {
          name = "civic-tech-jobs/stage/db"
        }

        resource "aws_secretsmanager_secret" "django" {
          name = "civic-tech-jobs/stage/django"
        }
        """,
    "efs.tf": """\
        resource "aws_efs_file_system" "pgdata" {
          encrypted = true
        }
        """,
    "task.tf": """\
        resource "aws_ecs_task_definition" "ctj" {
          family                   = "civic-tech-jobs-stage"
          network_mode             = "awsvpc"
          requires_compatibilities = ["EC2"]
          container_definitions    = jsonencode([local.django, local.nextjs, local.postgres])

          volume {
            name = "pgdata"
            efs_volume_configuration {
              file_system_id = aws_efs_file_system.pgdata.id
            }
          }
        }
        """,
    "django.tf": """\
        locals {
          django = {
            name         = "django"
            image        = "${aws_ecr_repository.backend.repository_url}:stage"
            essential    = true
            portMappings = [{ containerPort = 8000 }]
            environment = [
              { name = "SQL_HOST", value = "localhost" },
              { name = "SQL_PORT", value = "5432" },
              { name = "SQL_DATABASE", value = "ctj" },
              { name = "SQL_USER", value = "ctj" },
              { name = "DJANGO_ALLOWED_HOSTS", value = "stage.civictechjobs.org" },
              { name = "DJANGO_DEBUG", value = "False" },
            ]
            secrets = [
              { name = "SQL_PASSWORD", valueFrom = "${aws_secretsmanager_secret.db.arn}:password::" },
              { name = "DJANGO_SECRET_KEY", valueFrom = aws_secretsmanager_secret.django.arn },
            ]
            dependsOn = [{ containerName = "postgres", condition = "HEALTHY" }]
          }
        }
        """,
    "nextjs.tf": """\
        locals {
          nextjs = {
            name         = "nextjs"
            image        = "${aws_ecr_repository.frontend.repository_url}:stage"
            essential    = true
            portMappings = [{ containerPort = 3000 }]
            environment  = [{ name = "NODE_ENV", value = "production" }]
          }
        }
        """,
    "postgres.tf": """\
        locals {
          postgres = {
            name      = "postgres"
            image     = "postgres:18.1"
            essential = true
            environment = [
              { name = "POSTGRES_USER", value = "ctj" },
              { name = "POSTGRES_DB", value = "ctj" },
              { name = "PGDATA", value = "/var/lib/postgresql/data/pgdata" },
            ]
            secrets     = [{ name = "POSTGRES_PASSWORD", valueFrom = "${aws_secretsmanager_secret.db.arn}:password::" }]
            mountPoints = [{ sourceVolume = "pgdata", containerPath = "/var/lib/postgresql/data" }]
            healthCheck = { command = ["CMD-SHELL", "pg_isready -U ctj -d ctj"] }
          }
        }
        """,
    "service.tf": """\
        resource "aws_ecs_service" "ctj" {
          name                               = "civic-tech-jobs-stage"
          task_definition                    = aws_ecs_task_definition.ctj.arn
          launch_type                        = "EC2"
          desired_count                      = 1
          deployment_maximum_percent         = 100
          deployment_minimum_healthy_percent = 0

          load_balancer {
            target_group_arn = aws_lb_target_group.backend.arn
            container_name   = "django"
            container_port   = 8000
          }

          load_balancer {
            target_group_arn = aws_lb_target_group.frontend.arn
            container_name   = "nextjs"
            container_port   = 3000
          }
        }
        """,
    "target_groups.tf": """\
        resource "aws_lb_target_group" "backend" {
          port        = 8000
          protocol    = "HTTP"
          target_type = "ip"
        }

        resource "aws_lb_target_group" "frontend" {
          port        = 3000
          protocol    = "HTTP"
          target_type = "ip"
        }
        """,
    "routes.tf": """\
        variable "listener_arn" {
          default = "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/incubator-prod-lb/1/2"
        }

        resource "aws_lb_listener_rule" "api" {
          listener_arn = var.listener_arn
          priority     = 100
          action {
            type             = "forward"
            target_group_arn = aws_lb_target_group.backend.arn
          }
          condition {
            path_pattern {
              values = ["/api/*"]
            }
          }
        }

        resource "aws_lb_listener_rule" "admin" {
          listener_arn = var.listener_arn
          priority     = 101
          action {
            type             = "forward"
            target_group_arn = aws_lb_target_group.backend.arn
          }
          condition {
            path_pattern {
              values = ["/admin/*"]
            }
          }
        }

        resource "aws_lb_listener_rule" "frontend" {
          listener_arn = var.listener_arn
          priority     = 110
          action {
            type             = "forward"
            target_group_arn = aws_lb_target_group.frontend.arn
          }
          condition {
            path_pattern {
              values = ["/*"]
            }
          }
        }
        """,
    "security_group.tf": """\
        resource "aws_security_group" "task" {
          ingress {
            from_port   = 3000
            to_port     = 3000
            protocol    = "tcp"
            cidr_blocks = ["10.10.0.0/16"]
          }

          ingress {
            from_port   = 8000
            to_port     = 8000
            protocol    = "tcp"
            cidr_blocks = ["10.10.0.0/16"]
          }
        }
        """,
}

# where STAGE1_TF's blocks start, as HCL findings print them
TF_TASK = "task.tf:1"
TF_SERVICE = "service.tf:1"


class Sub:
    """Replace ``old`` (which must occur exactly once) by ``new`` in a STAGE1_TF file."""

    def __init__(self, *pairs: str):
        assert pairs and len(pairs) % 2 == 0, "Sub(old, new[, old, new ...])"
        self.pairs = list(zip(pairs[::2], pairs[1::2], strict=True))

    def __call__(self, text: str, name: str) -> str:
        for old, new in self.pairs:
            assert text.count(old) == 1, f"{name}: {old!r} is not in the file exactly once"
            text = text.replace(old, new)
        return text


def sub(*pairs: str) -> Sub:
    return Sub(*pairs)


def tf_tree(root: Path, files: Mapping[str, str | Sub | None] = {}) -> Path:
    """Write STAGE1_TF to ``root`` with ``files`` applied: a string replaces (or adds)
    that file, a ``sub(...)`` edits it, None removes it."""
    texts = {name: textwrap.dedent(text) for name, text in STAGE1_TF.items()}
    for name, change in files.items():
        if change is None:
            assert name in texts, f"no {name} to remove"
            del texts[name]
        elif isinstance(change, Sub):
            assert name in texts, f"no {name} to edit"
            texts[name] = change(texts[name], name)
        else:
            texts[name] = textwrap.dedent(change)
    root.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def hcl_findings(rule_id: str, root: Path, config=CONFIG) -> list[tuple]:
    """One rule's findings on the HCL tree at ``root``: (status, message[, "file:line"]),
    the file relative to ``root``."""
    from ctj_policy.loaders.hcl import load_hcl

    dep = load_hcl(root, config).deployment
    out = []
    for f in get_rule(rule_id).check(dep, config):
        check_address(f, dep)
        out.append(_row(f, root))
    return out


def subjects(rule_id: str, dep: Deployment, config=CONFIG) -> list[tuple]:
    """(status, subject kind, subject name, subject container) of every finding of one rule."""
    return [(f.status, f.subject.kind, f.subject.name, f.subject.container) for f in get_rule(rule_id).check(dep, config)]


def build_of(cases: list, name: str) -> Callable[[], Deployment]:
    """The input of the case called ``name`` in a rule's CASES table."""
    return next(p.values[0] for p in cases if p.id == name)
