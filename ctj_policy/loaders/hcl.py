"""HCL mode: a directory of ``.tf`` sources -> the normalized model.

``load_hcl`` evaluates the configuration the way a plan would (see
:mod:`hcl_eval`) and builds the same model objects the plan loader builds from
``terraform show -json``, so every rule runs unchanged.  ``apply_sources``
lends the sources to plan mode (``--source-dir``): file:line locations for
every model element, and task definitions whose containers the plan leaves
unknown.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..config import Config
from ..model import (
    KNOWN_AFTER_APPLY,
    NOT_EVALUATED,
    AutoscalingTarget,
    DatabaseResource,
    Deployment,
    DockerVolumeConfig,
    EcrRepository,
    EfsVolumeConfig,
    IngressRule,
    InputInfo,
    ListenerRule,
    LoadBalancerAttachment,
    Location,
    ModuleCall,
    Ref,
    Resource,
    RuleAction,
    RuleCondition,
    Secret,
    Service,
    TargetGroup,
    TaskDefinition,
    Template,
    Unknown,
    Volume,
    strip_index,
)
from . import InputError, Loaded
from .scope import database_module, is_project_source, resource_kind

# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------


def load_hcl(
    directory: str | Path,
    config: Config,
    scope: str | None = None,
    variables: Mapping[str, str] | Iterable[str] | None = None,
    var_files: Iterable[str | Path] = (),
) -> Loaded:
    """Evaluate the Terraform root ``directory`` and build the model of its CTJ scope."""
    path = Path(directory)
    if not path.is_dir():
        raise InputError(f"{directory}: not a directory")
    from .hcl_parse import parse_dir

    if not parse_dir(path):
        raise InputError(f"{directory}: no .tf files in this directory")
    deployment, scope_str, _ = _evaluate(path, config, scope, variables, var_files, prefix="")
    info = InputInfo(kind="hcl", path=str(directory), scope=scope_str)
    return Loaded(deployment, info)


def apply_sources(
    loaded: Loaded,
    source_dir: str | Path,
    config: Config,
    variables: Mapping[str, str] | Iterable[str] | None = None,
    var_files: Iterable[str | Path] = (),
) -> None:
    """Plan mode ``--source-dir``: locations by address, and containers/volumes the plan leaves unknown.

    ``source_dir`` may be the Terraform root the plan was made in, or the
    project directory itself (then its addresses are taken to live under the
    plan's scope, e.g. ``module.civic-tech-jobs``).
    """
    path = Path(source_dir)
    if not path.is_dir():
        raise InputError(f"--source-dir {source_dir}: not a directory")
    plan_scope = loaded.info.scope or ""
    src, src_scope, locations = _evaluate(
        path, config, plan_scope or "root", variables, var_files, prefix="", allow_missing_scope=True
    )
    if plan_scope and not src_scope:
        # the sources are the project directory itself: evaluate it as that module
        src, src_scope, locations = _evaluate(path, config, "root", variables, var_files, prefix=plan_scope)
    dep = loaded.deployment
    by_addr: dict[str, Resource] = {}
    for res in src.all_resources():
        by_addr.setdefault(res.address, res)
        by_addr.setdefault(strip_index(res.address), res)
    for res in dep.all_resources():
        if res.location is None:
            res.location = _locate(res.address, locations)
        twin = by_addr.get(res.address) or by_addr.get(strip_index(res.address))
        if isinstance(res, TaskDefinition) and isinstance(twin, TaskDefinition):
            if isinstance(res.containers, Unknown) and isinstance(twin.containers, tuple):
                res.containers = twin.containers
            elif isinstance(res.containers, tuple):
                res.containers = tuple(_with_location(c, res.location) for c in res.containers)
            if isinstance(res.volumes, Unknown) and isinstance(twin.volumes, tuple):
                res.volumes = twin.volumes
    dep.redact.update(src.redact)
    dep.waivers.extend(src.waivers)
    for note in src.notes:
        if note not in dep.notes:
            dep.notes.append(note)


def _locate(address: str, locations: dict) -> Location | None:
    """The source location of ``address`` or of the nearest block that contains it."""
    a = address
    while a:
        loc = locations.get(a)
        if loc is not None:
            return loc
        cut = max(a.rfind("."), a.rfind("["))
        if cut <= 0:
            break
        a = a[:cut]
    return None


def _with_location(container, location):
    if container.location is not None or location is None:
        return container
    from dataclasses import replace

    return replace(container, location=location)


# --------------------------------------------------------------------------
# variables
# --------------------------------------------------------------------------


class _CliValue:
    """A ``--var`` value: a literal string for primitive types, an HCL expression otherwise."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _read_var_file(path: Path) -> dict[str, Any]:
    from .hcl_eval import eval_constant
    from .hcl_parse import display_path, parse_file

    shown = display_path(path)
    if not path.is_file():
        raise InputError(f"var file not found: {shown}")
    if path.name.endswith(".json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{shown}: not a valid JSON var file ({exc.__class__.__name__})") from None
        if not isinstance(data, dict):
            raise InputError(f"{shown}: a JSON var file must hold an object")
        return data
    parsed = parse_file(path, shown)
    if parsed.blocks:
        b = parsed.blocks[0]
        raise InputError(f"{b.file}:{b.line}: a var file holds only name = value assignments")
    return {name: eval_constant(attr.expr, f"{shown}:{attr.line}") for name, attr in parsed.attrs.items()}


def _root_values(root: Path, variables, var_files) -> dict[str, Any]:
    values: dict[str, Any] = {}
    auto = []
    for name in ("terraform.tfvars", "terraform.tfvars.json"):
        if (root / name).is_file():
            auto.append(root / name)
    try:
        auto += sorted(p for p in root.iterdir() if p.name.endswith((".auto.tfvars", ".auto.tfvars.json")) and p.is_file())
    except OSError:
        pass
    for f in [*auto, *(Path(v) for v in var_files)]:
        values.update(_read_var_file(f))
    if variables:
        items = variables.items() if isinstance(variables, Mapping) else (_split_var(v) for v in variables)
        for k, v in items:
            values[k] = _CliValue(v) if isinstance(v, str) else v
    return values


def _split_var(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise InputError(f"--var {text!r}: expected NAME=VALUE")
    k, v = text.split("=", 1)
    return k.strip(), v


# --------------------------------------------------------------------------
# evaluation -> model
# --------------------------------------------------------------------------


def _check_hcl2() -> None:
    """Exit 2 with a fix when Checkov's bc-python-hcl2 has clobbered python-hcl2's ``hcl2``
    (checked on every HCL run, even when every file comes from the parse cache)."""
    try:
        from ..hcl2_check import ensure_python_hcl2
    except ModuleNotFoundError:  # pragma: no cover - the Checkov adapter's module
        return
    ensure_python_hcl2()


def _evaluate(path, config, scope, variables, var_files, prefix="", allow_missing_scope=False):
    from . import hcl_eval as he

    _check_hcl2()

    root_values = _root_values(path, variables, var_files)
    loader = he.Loader(path, {})
    root = he.ModuleInst(loader, path.resolve(), prefix)
    root._index()
    for name, value in root_values.items():
        decl = root.variables.get(name)
        if decl is None:
            if isinstance(value, _CliValue):
                raise InputError(f"--var {name}: no variable {name!r} is declared in {path}")
            continue  # terraform only warns for undeclared tfvars values
        if isinstance(value, _CliValue):
            value = _cli_value(value.text, decl, name)
        loader.root_values[name] = value

    scope_mods, scope_str = _find_scope(root, config, scope, allow_missing_scope)
    dep = Deployment(scope=scope_str)
    builder = _Builder(dep, config, loader)
    for mod in scope_mods:
        builder.walk(mod)
    builder.finish()
    return dep, scope_str, builder.locations


def _cli_value(text: str, decl, name: str) -> Any:
    from .hcl_eval import eval_constant, source_text
    from .hcl_parse import parse_text

    t = decl.attrs.get("type")
    tname = source_text(t.expr) if t is not None else ""
    if tname in ("", "string", "number", "bool"):
        return text
    parsed = parse_text(f"v = {text}\n", f"--var {name}")
    return eval_constant(parsed.attrs["v"].expr, f"--var {name}")


_SEG_RE = re.compile(r'^module\.([A-Za-z0-9_-]+)(\[[^\]]+\])?$')


def _split_scope(scope: str) -> list[str]:
    # module.a.module.b["x"] -> ["module.a", 'module.b["x"]']
    return re.findall(r'module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?', scope)


def _find_scope(root, config: Config, scope: str | None, allow_missing: bool):
    from .hcl_eval import EvalError, ModuleInst

    scope = (scope if scope is not None else config.scope or "auto").strip()
    if scope in ("root", "all", "", "."):
        return [root], root.address
    if scope == "auto":
        level = [root]
        while level:
            found = []
            nxt = []
            for mod in level:
                mod._index()
                for name in mod.modules:
                    try:
                        src = mod.module_source(name)
                    except EvalError:
                        continue
                    if is_project_source(src, config):
                        found.extend(c for c in mod.children(name) if isinstance(c, ModuleInst))
                if not found:
                    for name in mod.modules:
                        nxt.extend(c for c in mod.children(name) if isinstance(c, ModuleInst))
            if found:
                return found, found[0].address if len(found) == 1 else _common(found)
            level = nxt
        return [root], root.address
    mods = [root]
    for seg in _split_scope(scope):
        m = _SEG_RE.match(seg)
        if not m:
            break
        nxt = []
        for mod in mods:
            mod._index()
            if m.group(1) not in mod.modules:
                continue
            for child in mod.children(m.group(1)):
                if isinstance(child, ModuleInst) and (m.group(2) is None and strip_index(child.address).endswith(seg) or child.address.endswith(seg)):
                    nxt.append(child)
        mods = nxt
    if not mods or not _split_scope(scope):
        if allow_missing:
            return [root], root.address
        raise InputError(f"--scope {scope}: no such local module call in {root.display_dir}")
    return mods, scope


def _common(mods) -> str:
    return strip_index(mods[0].address)


class _Builder:
    def __init__(self, dep: Deployment, config: Config, loader):
        self.dep = dep
        self.config = config
        self.loader = loader
        self.seen_files: set[str] = set()
        self.block_addresses: dict[tuple[str, int], tuple[str, bool]] = {}
        self.locations: dict[str, Location] = {}

    # walking -------------------------------------------------------------

    def walk(self, mod) -> None:
        from .hcl_eval import ModuleInst, RemoteModuleValue

        for f in mod.files:
            self._scan_waivers_later(f)
        for inst in mod.all_resource_instances():
            self.block_addresses.setdefault((inst.block.file, inst.block.line), (_block_base(inst.address), inst.key is not None))
            self.locations[inst.address] = inst.location
            self.locations.setdefault(_block_base(inst.address), inst.location)
            self.resource(inst)
        for name, block in mod.modules.items():
            source = mod.module_source(name)
            children = mod.children(name)
            for child in children:
                addr = child.address
                self.block_addresses.setdefault(
                    (block.file, block.line), (_block_base(addr), "count" in block.attrs or "for_each" in block.attrs)
                )
                loc = Location(block.file, block.line, mod.call_location)
                self.locations[addr] = loc
                self.locations.setdefault(_block_base(addr), loc)
                src = source if isinstance(source, str) else _model(source)
                self.dep.module_calls.append(ModuleCall(addr, name=name, source=src, location=loc, type="module"))
                if database_module(name, source):
                    self.dep.databases.append(DatabaseResource(addr, kind="module", identifier=src, location=loc, type="module"))
                if isinstance(child, ModuleInst):
                    self.walk(child)
                elif isinstance(child, RemoteModuleValue):
                    self.loader.note(f"{addr}: module source {source!r} is not local; its resources are not checked")

    def _scan_waivers_later(self, f) -> None:
        if f.path in self.seen_files:
            return
        self.seen_files.add(f.path)
        self._files = getattr(self, "_files", [])
        self._files.append(f)

    def finish(self) -> None:
        from ..waivers import WaiverSyntaxError, scan_text, to_specs

        for f in getattr(self, "_files", []):
            try:
                found = scan_text(f.lines, f.path)
            except WaiverSyntaxError as exc:
                raise InputError(str(exc)) from None
            for w in found:
                target = self.block_addresses.get((f.path, w.block_line))
                if target is None:
                    continue  # a block outside the scope (or not a resource/module)
                address, has_instances = target
                self.dep.waivers.extend(to_specs(w, address, has_instances))
        self.dep.redact.update(s for s in self.loader.sensitive if isinstance(s, str))
        for note in self.loader.notes:
            if note not in self.dep.notes:
                self.dep.notes.append(note)

    # resources -------------------------------------------------------------

    def resource(self, inst) -> None:
        t = inst.type
        addr = inst.address
        loc = inst.location
        if inst.mode == "data":
            if resource_kind(t, "data") == "database":
                self.dep.databases.append(DatabaseResource(addr, kind="data", location=loc, type=t))
            return
        v = inst.view()
        if t == "aws_ecs_task_definition":
            self.dep.task_definitions.append(self.task_definition(inst, v, loc))
        elif t == "aws_ecs_service":
            self.dep.services.append(self.service(inst, v, loc))
        elif t in ("aws_lb_target_group", "aws_alb_target_group"):
            self.dep.target_groups.append(
                TargetGroup(
                    addr,
                    name=_get(v, "name"),
                    arn=Ref(addr, "arn"),
                    port=_get(v, "port"),
                    protocol=_get(v, "protocol"),
                    target_type=_get(v, "target_type"),
                    location=loc,
                    type=t,
                )
            )
        elif t in ("aws_lb_listener_rule", "aws_alb_listener_rule"):
            self.dep.listener_rules.append(self.listener_rule(inst, v, loc))
        elif t == "aws_security_group":
            i = 0
            for b in v.blocks("ingress"):
                self.dep.ingress_rules.append(_ingress(f"{addr}.ingress[{i}]", b, loc, t))
                i += 1
            inline = _get(v, "ingress")
            if isinstance(inline, (list, tuple)):
                for item in inline:
                    if isinstance(item, dict):
                        self.dep.ingress_rules.append(_ingress_dict(f"{addr}.ingress[{i}]", item, loc, t))
                        i += 1
            elif isinstance(inline, Unknown):
                self.dep.ingress_rules.append(
                    IngressRule(f"{addr}.ingress", from_port=inline, to_port=inline, protocol=None, location=loc, type=t)
                )
        elif t == "aws_security_group_rule":
            kind = _get(v, "type")
            if kind == "ingress" or isinstance(kind, (Unknown, Ref, Template)):
                self.dep.ingress_rules.append(_ingress(addr, v, loc, t))
        elif t == "aws_vpc_security_group_ingress_rule":
            sources = tuple(
                x
                for x in (_get(v, "cidr_ipv4"), _get(v, "cidr_ipv6"), _get(v, "referenced_security_group_id"), _get(v, "prefix_list_id"))
                if x is not None
            )
            self.dep.ingress_rules.append(
                IngressRule(
                    addr,
                    from_port=_get(v, "from_port"),
                    to_port=_get(v, "to_port"),
                    protocol=_get(v, "ip_protocol"),
                    sources=sources,
                    location=loc,
                    type=t,
                )
            )
        elif t == "aws_ecr_repository":
            self.dep.ecr_repositories.append(
                EcrRepository(addr, name=_get(v, "name"), repository_url=Ref(addr, "repository_url"), location=loc, type=t)
            )
        elif t in ("aws_secretsmanager_secret", "aws_ssm_parameter"):
            self.dep.secrets.append(Secret(addr, name=_get(v, "name"), arn=Ref(addr, "arn"), location=loc, type=t))
            if t == "aws_ssm_parameter" and _get(v, "type") == "SecureString":
                self.loader.mark_sensitive(_get(v, "value"))
        elif resource_kind(t) == "database":
            ident = _get(v, "identifier")
            self.dep.databases.append(DatabaseResource(addr, kind="resource", identifier=ident, location=loc, type=t))
        elif t == "aws_appautoscaling_target":
            self.dep.autoscaling_targets.append(
                AutoscalingTarget(
                    addr,
                    resource_id=_get(v, "resource_id"),
                    min_capacity=_get(v, "min_capacity"),
                    max_capacity=_get(v, "max_capacity"),
                    scalable_dimension=_get(v, "scalable_dimension"),
                    location=loc,
                    type=t,
                )
            )

    def task_definition(self, inst, v, loc) -> TaskDefinition:
        from .containers import parse_container_definitions
        from .hcl_eval import JsonEncoded

        addr = inst.address
        raw = v.get("container_definitions")
        if isinstance(raw, JsonEncoded):
            raw = _model(raw.value)
        else:
            raw = _model(raw)
        containers = parse_container_definitions(
            raw, f"{addr}.container_definitions", sensitive=self.loader.sensitive, location=loc
        )
        if isinstance(containers, tuple):
            containers = tuple(_mark_sensitive_refs(c) for c in containers)
            for c in containers:
                if isinstance(c.environment, tuple):
                    for e in c.environment:
                        if isinstance(e.value, str) and e.value and (e.sensitive or self.config.is_secret_name(e.name)):
                            self.dep.redact.add(e.value)
        volumes = []
        for b in v.blocks("volume"):
            efs = None
            docker = None
            eb = b.blocks("efs_volume_configuration")
            if eb:
                e = eb[0]
                efs = EfsVolumeConfig(
                    file_system_id=_get(e, "file_system_id"),
                    root_directory=_get(e, "root_directory"),
                    transit_encryption=_get(e, "transit_encryption"),
                )
            db = b.blocks("docker_volume_configuration")
            if db:
                d = db[0]
                docker = DockerVolumeConfig(scope=_get(d, "scope"), autoprovision=_get(d, "autoprovision"), driver=_get(d, "driver"))
            volumes.append(
                Volume(
                    name=_get(b, "name"),
                    host_path=_get(b, "host_path"),
                    efs=efs,
                    docker=docker,
                    configure_at_launch=_get(b, "configure_at_launch"),
                )
            )
        return TaskDefinition(
            addr,
            family=_get(v, "family"),
            network_mode=_get(v, "network_mode"),
            requires_compatibilities=_tuple(_get(v, "requires_compatibilities")),
            containers=containers,
            volumes=tuple(volumes),
            arn=Ref(addr, "arn"),
            location=loc,
            type=inst.type,
        )

    def service(self, inst, v, loc) -> Service:
        addr = inst.address
        lbs = tuple(
            LoadBalancerAttachment(
                target_group=_get(b, "target_group_arn"),
                container_name=_get(b, "container_name"),
                container_port=_get(b, "container_port"),
            )
            for b in v.blocks("load_balancer")
        )
        cps = tuple(_get(b, "capacity_provider") for b in v.blocks("capacity_provider_strategy"))
        return Service(
            addr,
            name=_get(v, "name"),
            task_definition=_get(v, "task_definition"),
            desired_count=_get(v, "desired_count"),
            deployment_maximum_percent=_get(v, "deployment_maximum_percent"),
            deployment_minimum_healthy_percent=_get(v, "deployment_minimum_healthy_percent"),
            launch_type=_get(v, "launch_type"),
            capacity_providers=cps,
            load_balancers=lbs,
            name_ref=Ref(addr, "name"),
            location=loc,
            type=inst.type,
        )

    def listener_rule(self, inst, v, loc) -> ListenerRule:
        conditions = []
        for c in v.blocks("condition"):
            paths: list = []
            hosts: list = []
            for pb in c.blocks("path_pattern"):
                paths.extend(_list(_get(pb, "values")))
            for hb in c.blocks("host_header"):
                hosts.extend(_list(_get(hb, "values")))
            conditions.append(RuleCondition(path_patterns=tuple(paths), host_headers=tuple(hosts)))
        actions = []
        for a in v.blocks("action"):
            tgs: list = []
            tg = _get(a, "target_group_arn")
            if tg is not None:
                tgs.append(tg)
            for fw in a.blocks("forward"):
                for t in fw.blocks("target_group"):
                    tgs.append(_get(t, "arn"))
            actions.append(RuleAction(type=_get(a, "type"), target_groups=tuple(tgs)))
        return ListenerRule(
            inst.address,
            listener=_get(v, "listener_arn"),
            priority=_get(v, "priority"),
            conditions=tuple(conditions),
            actions=tuple(actions),
            location=loc,
            type=inst.type,
        )


def _block_base(address: str) -> str:
    return strip_index(address)


# provider attributes the schema marks sensitive: a value built from one is sensitive in a plan
SENSITIVE_ATTRIBUTES = frozenset(
    {
        ("random_password", "result"),
        ("random_password", "bcrypt_hash"),
        ("aws_secretsmanager_secret_version", "secret_string"),
        ("aws_secretsmanager_secret_version", "secret_binary"),
        ("aws_db_instance", "password"),
        ("aws_rds_cluster", "master_password"),
        ("aws_iam_access_key", "secret"),
        ("aws_ssm_parameter", "value"),
        ("tls_private_key", "private_key_pem"),
        ("postgresql_role", "password"),
        ("data.aws_secretsmanager_secret_version", "secret_string"),
    }
)


def _ref_is_sensitive(ref: Ref) -> bool:
    parts = strip_index(ref.address).split(".")
    if len(parts) < 2:
        return False
    rtype = parts[-2]
    if len(parts) >= 3 and parts[-3] == "data":
        rtype = "data." + rtype
    return (rtype, ref.attribute.split(".")[0]) in SENSITIVE_ATTRIBUTES


def _holds_sensitive_ref(value: Any) -> bool:
    if isinstance(value, Ref):
        return _ref_is_sensitive(value)
    if isinstance(value, Template):
        return any(isinstance(p, Ref) and _ref_is_sensitive(p) for p in value.parts)
    return False


def _mark_sensitive_refs(container):
    """Env values built from a sensitive provider attribute (random_password.x.result)
    are sensitive, as the plan would mark them."""
    from dataclasses import replace

    env = container.environment
    if not isinstance(env, tuple) or not any(not e.sensitive and _holds_sensitive_ref(e.value) for e in env):
        return container
    return replace(
        container,
        environment=tuple(replace(e, sensitive=True) if _holds_sensitive_ref(e.value) else e for e in env),
    )


def _model(value: Any) -> Any:
    """Deep-convert evaluator runtime objects into model values."""
    from .hcl_eval import JsonEncoded, ModuleValue, Namespace, RemoteModuleValue, ResourceValue

    if isinstance(value, list):
        return [_model(v) for v in value]
    if isinstance(value, dict):
        return {k: _model(v) for k, v in value.items()}
    if isinstance(value, ResourceValue):
        return Ref(value.inst.address, "")
    if isinstance(value, JsonEncoded):
        return Unknown(KNOWN_AFTER_APPLY, "jsonencode(...)", "encodes values known only after apply")
    if isinstance(value, (ModuleValue, Namespace, RemoteModuleValue)):
        return Unknown(NOT_EVALUATED, "reference")
    return value


def _get(view, name: str) -> Any:
    return _model(view.get(name))


def _first(view, *names: str) -> Any:
    for n in names:
        if view.has(n):
            return _get(view, n)
    return None


def _tuple(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if value is None:
        return ()
    return value


def _list(value: Any) -> list:
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def _ports(b_get) -> tuple:
    return (b_get("from_port"), b_get("to_port"), b_get("protocol"))


def _ingress(addr: str, b, loc, type_: str) -> IngressRule:
    sources: list = []
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "security_groups", "prefix_list_ids"):
        sources.extend(_list(_get(b, key)))
    sg = _get(b, "source_security_group_id")
    if sg is not None:
        sources.append(sg)
    if _get(b, "self") is True:
        sources.append("self")
    return IngressRule(
        addr,
        from_port=_get(b, "from_port"),
        to_port=_get(b, "to_port"),
        protocol=_get(b, "protocol"),
        sources=tuple(sources),
        location=loc,
        type=type_,
    )


def _ingress_dict(addr: str, item: dict, loc, type_: str) -> IngressRule:
    sources: list = []
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "security_groups", "prefix_list_ids"):
        sources.extend(_list(item.get(key)))
    return IngressRule(
        addr,
        from_port=item.get("from_port"),
        to_port=item.get("to_port"),
        protocol=item.get("protocol"),
        sources=tuple(sources),
        location=loc,
        type=type_,
    )
