"""What the checked input deploys, as a plain graph for diagrams.

``build(deployment, results)`` is a pure function of the model and the rule
results.  It returns nodes (id, label, kind, failing) and edges (src, dst,
label, failing) following the request path of the CTJ decision:

    ALB listener rules -> target groups -> containers (grouped by task)
        -> Postgres (backend's SQL_HOST) -> data volume / credential secret

Labels are plain text; a newline separates a label's lines.
A node or an edge is *failing* when a ``fail`` result concerns it: same
resource address, and (for elements that share an address, like the
containers of one task) a rule about that element or a message naming it.
The reporters draw this graph without knowing anything about Terraform.
Standard library only (container roles come from ``queries``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .model import (
    FAIL,
    Container,
    DatabaseResource,
    Deployment,
    Ref,
    Result,
    Secret,
    TargetGroup,
    TaskDefinition,
    Template,
    Unknown,
    is_known,
    ref_matches,
    strip_index,
)

# node kinds
ROUTE = "route"
TARGET_GROUP = "target_group"
TASK = "task"
CONTAINER = "container"
DATABASE = "database"  # the Postgres container
MANAGED_DATABASE = "managed_database"  # RDS & co. (must not be in scope)
VOLUME = "volume"
SECRET = "secret"

# which rules speak about which element (besides a message naming it)
_ROLE_RULES = {
    "frontend": {"CTJ030"},
    "backend": {"CTJ022", "CTJ027", "CTJ032"},
    "database": {"CTJ021", "CTJ024", "CTJ025", "CTJ012"},
}
_ROUTE_EDGE_RULES = {"CTJ010"}
_ATTACH_EDGE_RULES = {"CTJ011", "CTJ012"}
_DB_EDGE_RULES = {"CTJ022", "CTJ023", "CTJ027"}
_VOLUME_EDGE_RULES = {"CTJ024", "CTJ025"}
_SECRET_EDGE_RULES = {"CTJ023"}


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str
    failing: bool = False
    group: str | None = None  # id of the TASK node a container belongs to
    rules: tuple[str, ...] = ()  # ids of the rules failing on it


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str
    failing: bool = False
    rules: tuple[str, ...] = ()


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    @property
    def empty(self) -> bool:
        return not self.nodes


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Template):
        return value.describe()
    if isinstance(value, Ref):
        return "${" + value.describe() + "}"
    if isinstance(value, Unknown):
        return "(unknown)"
    if value is None:
        return ""
    return str(value)


def _same_address(a: str | None, b: str | None) -> bool:
    return bool(a and b) and (a == b or strip_index(a) == strip_index(b))  # type: ignore[arg-type]


class _Fails:
    """Index of the failing results."""

    def __init__(self, results: Iterable[Result]):
        self.fails = [r for r in results if r.status == FAIL]

    def on(self, addresses: Iterable[str | None], rules: set[str] | None = None, mention: str | None = None, any_rule_on_address: bool = True) -> tuple[str, ...]:
        """Rule ids of fails on one of ``addresses``: when ``rules`` is given, a
        fail of one of those rules, or (``mention``) any fail whose message
        names the element; with neither, any fail on the address."""
        addrs = [a for a in addresses if a]
        out: list[str] = []
        for r in self.fails:
            if not any(_same_address(r.address, a) for a in addrs):
                continue
            hit = False
            if rules is None and mention is None:
                hit = any_rule_on_address
            if rules is not None and r.rule_id in rules:
                hit = True
            if mention is not None and mention in (r.message or ""):
                hit = True
            if hit and r.rule_id not in out:
                out.append(r.rule_id)
        return tuple(sorted(out))


def build(deployment: Deployment | None, results: Iterable[Result] = (), config: Any = None, redact: Any = None) -> Graph:
    """The deployment as a graph; an empty graph for None."""
    graph = Graph()
    if deployment is None:
        return graph
    if config is None:
        from .config import Config

        config = Config()
    fails = _Fails(results)
    roles = _roles(deployment, config)

    # target groups
    tg_ids: dict[int, str] = {}
    for i, tg in enumerate(sorted(deployment.target_groups, key=lambda t: t.address)):
        nid = f"tg{i}"
        tg_ids[id(tg)] = nid
        bits = [_text(tg.name) or _short(tg.address)]
        if tg.port is not None:
            bits.append(f"port {_text(tg.port)}")
        if tg.target_type is not None:
            bits.append(f"target {_text(tg.target_type)}")
        r = fails.on([tg.address])
        graph.nodes.append(Node(nid, "target group " + ", ".join(bits), TARGET_GROUP, bool(r), rules=r))

    # listener rules -> target groups
    for i, rule in enumerate(sorted(deployment.listener_rules, key=lambda r: (_prio(r.priority), r.address))):
        nid = f"rule{i}"
        label = f"listener rule {_route_text(rule)}"
        r = fails.on([rule.address])
        graph.nodes.append(Node(nid, label, ROUTE, bool(r), rules=r))
        for value in _forward_values(rule):
            tg = _resolve_tg(deployment, value)
            if tg is None:
                continue
            er = fails.on([rule.address], _ROUTE_EDGE_RULES)
            graph.edges.append(Edge(nid, tg_ids[id(tg)], "forward", bool(er), er))

    # tasks and their containers
    container_ids: dict[tuple[str, str], str] = {}  # (task address, container name) -> node id
    task_of_node: dict[str, TaskDefinition] = {}
    for t, task in enumerate(sorted(deployment.task_definitions, key=lambda x: x.address)):
        tid = f"task{t}"
        r = fails.on([task.address], {"CTJ001", "CTJ003"})
        label = f"ECS task {_text(task.family) or _short(task.address)}"
        if task.network_mode is not None:
            label += f" ({_text(task.network_mode)})"
        graph.nodes.append(Node(tid, label, TASK, bool(r), rules=r))
        if not isinstance(task.containers, tuple):
            nid = f"c{t}_unknown"
            graph.nodes.append(Node(nid, "containers known after apply", CONTAINER, False, group=tid))
            continue
        for c, container in enumerate(task.containers):
            nid = f"c{t}_{c}"
            name = _text(container.name)
            container_ids[(task.address, name)] = nid
            task_of_node[nid] = task
            role = roles.get(id(container))
            kind = DATABASE if role == "database" else CONTAINER
            label = f"{name}" + (f" ({role})" if role else "") + f"\n{_image_text(container.image, deployment)}"
            r = fails.on([task.address], _ROLE_RULES.get(role or "", set()), mention=f"'{name}'")
            graph.nodes.append(Node(nid, label, kind, bool(r), group=tid, rules=r))

    # target groups -> containers, from the services' load_balancer blocks
    for service in sorted(deployment.services, key=lambda s: s.address):
        if not isinstance(service.load_balancers, tuple):
            continue
        task = _task_of(deployment, service)
        for lb in service.load_balancers:
            tg = _resolve_tg(deployment, lb.target_group)
            cname = _text(lb.container_name)
            dst = container_ids.get((task.address, cname)) if task is not None else None
            if dst is None:
                dst = next((nid for (addr, n), nid in container_ids.items() if n == cname), None)
            if tg is None or dst is None:
                continue
            mention = f"'{cname}'"
            er = fails.on([service.address, tg.address], _ATTACH_EDGE_RULES, mention=None)
            # a fail naming another container does not concern this edge
            er = tuple(x for x in er if not _names_other(fails, x, service.address, mention, container_ids))
            graph.edges.append(Edge(tg_ids[id(tg)], dst, f"{cname}:{_text(lb.container_port)}", bool(er), er))

    # managed databases in scope (RDS, postgresql_* ...)
    db_ids: list[str] = []
    managed = sorted(deployment.databases, key=lambda d: d.address)
    for i, db in enumerate(managed):
        nid = f"db{i}"
        db_ids.append(nid)
        r = fails.on([db.address])
        graph.nodes.append(Node(nid, f"{_db_kind(db)} {_short(db.address)}", MANAGED_DATABASE, bool(r), rules=r))

    # volumes and secrets
    vol_ids: dict[tuple[str, str], str] = {}
    secret_ids: dict[str, str] = {}
    for nid, task in sorted(task_of_node.items()):
        container = _container_for(task, nid, container_ids)
        if container is None:
            continue
        name = _text(container.name)
        mention = f"'{name}'"
        # backend -> database over SQL_HOST
        host = container.env("SQL_HOST") if isinstance(container.environment, tuple) else None
        if host is not None:
            port = container.env("SQL_PORT")
            host_text = _short_text(host.value) if not host.sensitive else "(hidden)"
            label = f"SQL_HOST {host_text}" + (f":{_short_text(port.value)}" if port is not None and not port.sensitive else "")
            er = fails.on([task.address], _DB_EDGE_RULES)
            local = isinstance(host.value, str) and host.value.strip().lower() in ("localhost", "127.0.0.1", "::1")
            db_nodes = [n.id for n in graph.nodes if n.kind == DATABASE and n.group == _group_of(graph, nid)]
            dst = db_nodes[0] if local and db_nodes else _database_for(host.value, managed, db_ids)
            if dst is None and db_nodes and not local:
                dst = db_nodes[0]
            if dst is not None:
                graph.edges.append(Edge(nid, dst, label, bool(er), er))
        # mounts -> volumes
        if isinstance(container.mount_points, tuple):
            for m in container.mount_points:
                vname = _text(m.source_volume)
                key = (task.address, vname)
                if key not in vol_ids:
                    vid = f"vol{len(vol_ids)}"
                    vol_ids[key] = vid
                    graph.nodes.append(Node(vid, f"volume {vname}\n{_volume_kind(task, m.source_volume)}", VOLUME, False))
                er = fails.on([task.address], _VOLUME_EDGE_RULES) if roles.get(id(container)) == "database" else ()
                ro = " (read-only)" if m.read_only is True else ""
                graph.edges.append(Edge(nid, vol_ids[key], f"{_text(m.container_path)}{ro}", bool(er), er))
        # secrets -> secret nodes
        if isinstance(container.secrets, tuple):
            per_secret: dict[str, list[str]] = {}
            labels: dict[str, str] = {}
            for s in container.secrets:
                key, label = _secret_identity(deployment, s.value_from)
                per_secret.setdefault(key, []).append(_text(s.name))
                labels[key] = label
            for key in sorted(per_secret):
                if key not in secret_ids:
                    sid = f"sec{len(secret_ids)}"
                    secret_ids[key] = sid
                    graph.nodes.append(Node(sid, f"secret {labels[key]}", SECRET, False))
                er = fails.on([task.address], _SECRET_EDGE_RULES, mention=None)
                er = tuple(x for x in er if not _names_other(fails, x, task.address, mention, container_ids))
                graph.edges.append(Edge(nid, secret_ids[key], ", ".join(sorted(per_secret[key])), bool(er), er))
    return graph


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _roles(deployment: Deployment, config: Any) -> dict[int, str]:
    """id(container) -> role, through the rules' own classification."""
    out: dict[int, str] = {}
    try:
        from .queries import container_role
    except ImportError:  # pragma: no cover - rules package always ships with the tool
        container_role = None  # type: ignore[assignment]
    for task in deployment.task_definitions:
        if not isinstance(task.containers, tuple):
            continue
        for c in task.containers:
            role = container_role(c, deployment, config) if container_role else None
            if isinstance(role, str):
                out[id(c)] = role
    return out


def _names_other(fails: _Fails, rule_id: str, address: str, mention: str, container_ids: dict) -> bool:
    """True when every fail of ``rule_id`` on ``address`` names some container, none of them this one."""
    names = {f"'{n}'" for (_, n) in container_ids}
    msgs = [r.message or "" for r in fails.fails if r.rule_id == rule_id and _same_address(r.address, address)]
    if not msgs:
        return False
    for m in msgs:
        if mention in m or not any(n in m for n in names):
            return False
    return True


def _short(address: str) -> str:
    """``module.a.module.b.aws_x.y`` -> ``aws_x.y``; a module call -> ``module.b``."""
    parts = address.split(".")
    for i in range(len(parts) - 1):
        if parts[i] not in ("module", "data") and (i == 0 or parts[i - 1] != "module"):
            if i > 0 and parts[i - 1] == "data":
                return ".".join(parts[i - 1 :])
            return ".".join(parts[i:])
    if len(parts) >= 2 and parts[-2] == "module":
        return ".".join(parts[-2:])
    return address


def _short_text(value: Any) -> str:
    """Like _text, with references shortened to their resource (``${data.aws_db_instance.x.address}``)."""
    if isinstance(value, Ref):
        return "${" + _short(value.address) + (f".{value.attribute}" if value.attribute else "") + "}"
    if isinstance(value, Template):
        return "".join(p if isinstance(p, str) else _short_text(p) for p in value.parts)
    return _text(value)


def _database_for(value: Any, managed: list, db_ids: list[str]) -> str | None:
    """The managed database node a non-local SQL_HOST points at: the resource
    it references, else the database module call, else the first one."""
    refs = [value] if isinstance(value, Ref) else [p for p in value.parts if isinstance(p, Ref)] if isinstance(value, Template) else []
    for ref in refs:
        for db, nid in zip(managed, db_ids):
            if ref_matches(ref, db.address):
                return nid
    for db, nid in zip(managed, db_ids):
        if db.kind == "module":
            return nid
    return db_ids[0] if db_ids else None


def _prio(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1 << 30


def _route_text(rule: Any) -> str:
    prio = _text(rule.priority) if rule.priority is not None else "(no priority)"
    paths: list[str] = []
    hosts: list[str] = []
    if isinstance(rule.conditions, tuple):
        for cond in rule.conditions:
            if isinstance(cond.path_patterns, tuple):
                paths += [_text(p) for p in cond.path_patterns]
            elif isinstance(cond.path_patterns, Unknown):
                paths.append("(unknown)")
            if isinstance(cond.host_headers, tuple):
                hosts += [_text(h) for h in cond.host_headers]
    else:
        paths.append("(conditions unknown)")
    text = f"#{prio} {' '.join(paths) or '(any path)'}"
    if hosts:
        text += f"\nhost {' '.join(hosts)}"
    return text


def _forward_values(rule: Any) -> list:
    if not isinstance(rule.actions, tuple):
        return []
    out = []
    for action in rule.actions:
        if action.type == "forward" and isinstance(action.target_groups, tuple):
            out.extend(action.target_groups)
    return out


def _resolve_tg(deployment: Deployment, value: Any) -> TargetGroup | None:
    found = deployment.resolve(value, deployment.target_groups, ("arn", "id"))
    return found if isinstance(found, TargetGroup) else None


def _task_of(deployment: Deployment, service: Any) -> TaskDefinition | None:
    value = service.task_definition
    for task in deployment.task_definitions:
        if isinstance(value, Ref) and ref_matches(value, task.address):
            return task
        if isinstance(value, Template) and any(isinstance(p, Ref) and ref_matches(p, task.address) for p in value.parts):
            return task
        if isinstance(value, str) and is_known(task.family) and isinstance(task.family, str):
            if value == task.family or value.startswith(task.family + ":") or f":task-definition/{task.family}" in value:
                return task
        if isinstance(value, str) and isinstance(task.arn, str) and value == task.arn:
            return task
    return deployment.task_definitions[0] if len(deployment.task_definitions) == 1 else None


def _container_for(task: TaskDefinition, nid: str, container_ids: dict) -> Container | None:
    for (addr, name), cid in container_ids.items():
        if cid == nid and addr == task.address:
            return task.container_named(name)
    return None


def _group_of(graph: Graph, nid: str) -> str | None:
    node = graph.node(nid)
    return node.group if node else None


def _image_text(image: Any, deployment: Deployment) -> str:
    """A short image name: ``civic-tech-jobs-backend:stage (ECR)``, ``postgres:18.1``."""
    if image is None:
        return "image unknown"
    try:
        from .queries import parse_image

        img = parse_image(image, deployment)
    except ImportError:  # pragma: no cover
        return _text(image)
    if not img.decided:
        return _text(image)
    repo = img.repository[len("library/"):] if img.repository.startswith("library/") else img.repository
    text = repo
    if img.tag is not None:
        text += f":{_text(img.tag)}"
    if img.digest is not None:
        text += f"@{_text(img.digest)[:19]}"
    if img.is_ecr:
        text += " (ECR)"
    elif img.registry:
        text = f"{img.registry}/{text}"
    return text


def _volume_kind(task: TaskDefinition, name: Any) -> str:
    vol = task.volume_named(name)
    if vol is None:
        return "not declared by the task"
    if vol.efs is not None:
        return "EFS"
    if vol.configure_at_launch is True:
        return "EBS at launch"
    if vol.host_path is not None:
        return f"host_path {_text(vol.host_path)}"
    if vol.docker is not None:
        return f"docker volume, scope {_text(vol.docker.scope) or 'task'}"
    return "bind mount (task storage)"


def _db_kind(db: DatabaseResource) -> str:
    return {"module": "database module", "data": "reads RDS"}.get(db.kind, "managed database")


def _secret_identity(deployment: Deployment, value_from: Any) -> tuple[str, str]:
    """(stable key, label) of the secret a ``valueFrom`` points at."""
    secret: Any = value_from
    try:
        from .queries import secret_key

        secret = secret_key(value_from).secret
    except ImportError:  # pragma: no cover
        pass
    if isinstance(secret, Ref):
        for s in deployment.secrets:
            if ref_matches(secret, s.address):
                return s.address, _secret_label(s)
        return secret.address, _short(secret.address)
    if isinstance(secret, str):
        for s in deployment.secrets:
            if isinstance(s.arn, str) and (secret == s.arn or secret.startswith(s.arn)):
                return s.address, _secret_label(s)
            if isinstance(s.name, str) and (secret == s.name or f":secret:{s.name}-" in secret or f":parameter/{s.name.lstrip('/')}" in secret):
                return s.address, _secret_label(s)
        name = secret.split(":secret:", 1)[1] if ":secret:" in secret else secret.rsplit(":", 1)[-1]
        return secret, name
    return "unknown", "(known after apply)"


def _secret_label(s: Secret) -> str:
    return _text(s.name) or _short(s.address)
