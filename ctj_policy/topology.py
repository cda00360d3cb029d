"""What the checked input deploys, as a plain graph for diagrams.

``build(deployment, results, config)`` is a pure function of the model, the
rule results and the config they were evaluated with.  It returns nodes (id,
label, kind, failing) and edges (src, dst, label, failing) following the
request path of the CTJ decision:

    ALB listener rules -> target groups -> containers (grouped by task)
        -> Postgres (backend's SQL_HOST) -> data volume / credential secret

Every question about the deployment (container roles, which service runs a
task, where a rule forwards, which target group an ARN names, whether a
volume persists, which secret a ``valueFrom`` reads) is asked of
:mod:`ctj_policy.queries`, with the report's config, so the diagram and the
rules agree.  This module imports no rule.

Readable at any size: the instances of one block (``count``/``for_each``)
are one node with a count, and the blocks a module call deploys into a
managed database are one node for the call ("database module X: 13 blocks").
Values known only after apply read as what they come from
(``stage.<route53 zone>``, not a ``${module...}`` expression).

Failing marks come from each failing result's structured ``subject``
(:class:`~ctj_policy.model.Subject`; the result's address when it has none),
never from rule IDs or message text: every element claims the subject keys
it stands for (a container claims ``container``, the edge to its volume
claims ``volume``...), and a failing result marks the elements claiming its
most specific key.  A failing ``route`` subject no listener rule claims
(``no rule routes /api/*``) is drawn as a missing-route node.

``redact`` (``Redactor.text``) is applied to every value before it becomes
part of a label; labels are plain text, a newline separating lines.
Standard library only.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import queries
from .model import (
    FAIL,
    KNOWN_AFTER_APPLY,
    SENSITIVE,
    Container,
    DatabaseResource,
    Deployment,
    Ref,
    Resource,
    Result,
    Service,
    Subject,
    TargetGroup,
    TaskDefinition,
    Template,
    Unknown,
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
EXTERNAL = "external"  # a host SQL_HOST names that is neither in the task nor in scope

LOOPBACK = ("localhost", "127.0.0.1", "::1")
LIST_ITEMS = 3  # values listed in an aggregated label before "(+N more)"


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str
    failing: bool = False
    group: str | None = None  # id of the TASK node a container belongs to
    rules: tuple[str, ...] = ()  # ids of the rules failing on it (for the legend, not for deciding)
    count: int = 1  # instances or blocks the node stands for


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: str
    failing: bool = False
    rules: tuple[str, ...] = ()
    dashed: bool = False  # a deploy workflow's image or redeploy that does not (or may not) meet the task


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    @property
    def empty(self) -> bool:
        return not self.nodes


def build(
    deployment: Deployment | None,
    results: Iterable[Result] = (),
    config: Any = None,
    redact: Callable[[str], str] | None = None,
) -> Graph:
    """The deployment as a graph; an empty graph for None."""
    if deployment is None:
        return Graph()
    if config is None:
        from .config import Config

        config = Config()
    return _Builder(deployment, config, redact or (lambda s: s)).run(list(results))


# --------------------------------------------------------------------------
# values as label text
# --------------------------------------------------------------------------

_INDEXES = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')
_IDENTITY_ATTRS = {
    "",
    "name",
    "id",
    "arn",
    "value",
    "result",
    "address",
    "endpoint",
    "dns_name",
    "fqdn",
    "repository_url",
    "zone_id",
}


def block_of(address: str) -> str:
    """The block an instance address belongs to: every ``[index]`` removed."""
    return _INDEXES.sub("", address)


def short(address: str) -> str:
    """``module.a.module.b.aws_x.y`` -> ``aws_x.y``; ``module.a.module.b`` -> ``module.b``."""
    parts = address.split(".")
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        i += 2
    if i >= len(parts):
        return ".".join(parts[-2:])
    return ".".join(parts[i:])


def _ref_words(ref: Ref) -> str:
    """What a reference names, in words: ``<route53 zone>``, ``<db instance>``, ``<var.tag>``."""
    parts = block_of(ref.address).split(".")
    attr = ref.attribute or ""
    if len(parts) >= 2 and parts[-2] in ("var", "local"):
        return f"{parts[-2]}.{parts[-1]}" + (f".{attr}" if attr else "")
    if len(parts) >= 2 and parts[-2] == "module":
        return f"module {parts[-1]}" + (f" {attr}" if attr else "")
    kind = parts[-2] if len(parts) >= 2 else parts[-1]
    words = (kind[4:] if kind.startswith("aws_") else kind).replace("_", " ")
    return words if attr in _IDENTITY_ATTRS else f"{words} {attr.replace('_', ' ')}"


def readable(value: Any) -> str:
    """A value as label text; what is known only after apply reads as where it comes from."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Ref):
        return f"<{_ref_words(value)}>"
    if isinstance(value, Template):
        return "".join(readable(p) for p in value.parts)
    if isinstance(value, Unknown):
        if value.reason == SENSITIVE:
            return "<sensitive>"
        return "<known after apply>" if value.reason == KNOWN_AFTER_APPLY else f"<{value.reason}>"
    if isinstance(value, (list, tuple)):
        return ", ".join(readable(v) for v in value)
    return str(value)


def _listing(values: list[str]) -> str:
    """Distinct values in first-seen order, at most LIST_ITEMS, then how many more."""
    seen = list(dict.fromkeys(v for v in values if v))
    text = ", ".join(seen[:LIST_ITEMS])
    return text + (f" (+{len(seen) - LIST_ITEMS} more)" if len(seen) > LIST_ITEMS else "")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


# --------------------------------------------------------------------------
# the builder
# --------------------------------------------------------------------------


@dataclass
class _Element:
    node: Node | None = None
    edge: Edge | None = None
    claims: set = field(default_factory=set)


class _Builder:
    def __init__(self, deployment: Deployment, config: Any, redact: Callable[[str], str]):
        self.dep = deployment
        self.config = config
        self.redact = redact
        self.elements: list[_Element] = []
        self.node_ids: dict[Any, str] = {}  # identity key -> node id
        self.by_id: dict[str, _Element] = {}
        self.edge_index: dict[tuple, _Element] = {}
        self._tg_memo: dict[Any, Any] = {}
        self._secret_memo: dict[Any, Any] = {}
        self.task_blocks: dict[str, list[TaskDefinition]] = {}
        self.container_node: dict[tuple[str, Any], str] = {}  # (task block, container name) -> node id
        self.container_role: dict[tuple[str, Any], Any] = {}

    def v(self, value: Any) -> str:
        """A value's label text, redacted (before any shortening)."""
        return self.redact(readable(value))

    # -- elements --------------------------------------------------------------

    def add_node(
        self, key: Any, label: str, kind: str, claims: Iterable = (), group: str | None = None, count: int = 1
    ) -> str:
        if key in self.node_ids:
            nid = self.node_ids[key]
            self.by_id[nid].claims.update(claims)
            return nid
        nid = f"{kind[:3]}{len(self.by_id)}"
        self.node_ids[key] = nid
        element = _Element(node=Node(nid, label, kind, group=group, count=count), claims=set(claims))
        self.by_id[nid] = element
        self.elements.append(element)
        return nid

    def add_edge(self, src: str, dst: str, label: str, claims: Iterable = ()) -> None:
        key = (src, dst, label)
        if key in self.edge_index:
            self.edge_index[key].claims.update(claims)
            return
        element = _Element(edge=Edge(src, dst, label), claims=set(claims))
        self.edge_index[key] = element
        self.elements.append(element)

    # -- queries, memoized by value -------------------------------------------------

    def target_group(self, value: Any) -> TargetGroup | None:
        if not _hashable(value):
            found = queries.resolve_target_group(self.dep, value)
        else:
            if value not in self._tg_memo:
                self._tg_memo[value] = queries.resolve_target_group(self.dep, value)
            found = self._tg_memo[value]
        return found if isinstance(found, TargetGroup) else None

    def secret_of(self, value_from: Any) -> tuple[Any, str, str | None]:
        """(identity key, label, resource address or None) of the secret a ``valueFrom`` reads."""
        secret = queries.secret_key(value_from).secret
        if _hashable(secret) and secret in self._secret_memo:
            return self._secret_memo[secret]
        found = self.dep.resolve(secret, self.dep.secrets, ("arn", "name"))
        out: tuple[Any, str, str | None]
        if isinstance(found, Resource):
            out = (
                ("secret", found.address),
                self.v(getattr(found, "name", None)) or short(found.address),
                found.address,
            )
        elif isinstance(secret, str):
            name = secret.split(":secret:", 1)[1] if ":secret:" in secret else secret.rsplit(":", 1)[-1]
            out = (("secret", secret), self.redact(name), None)
        else:
            out = (("secret", readable(secret)), self.v(secret), None)
        if _hashable(secret):
            self._secret_memo[secret] = out
        return out

    # -- the graph ---------------------------------------------------------------

    def run(self, results: list[Result]) -> Graph:
        self.target_groups()
        self.routes()
        self.tasks()
        self.attachments()
        self.databases()
        self.container_links()
        from .topology_workflow import extend  # the deploy workflows (--workflow), when there are any

        return extend(self, self.finish(results), results)

    def target_groups(self) -> None:
        by_block: dict[str, list[TargetGroup]] = {}
        for tg in sorted(self.dep.target_groups, key=lambda t: t.address):
            by_block.setdefault(block_of(tg.address), []).append(tg)
        for block, tgs in by_block.items():
            ports = _listing([self.v(t.port) for t in tgs if t.port is not None])
            types = _listing([self.v(t.target_type) for t in tgs if t.target_type is not None])
            if len(tgs) == 1:
                first = f"target group {self.v(tgs[0].name) or short(block)}"
            else:
                first = f"target group {short(block)} \u00d7{len(tgs)}"
            bits = ([f"port {ports}"] if ports else []) + ([f"target {types}"] if types else [])
            label = first + (", " + ", ".join(bits) if bits else "")
            nid = self.add_node(("tg", block), label, TARGET_GROUP, {("addr", block)}, count=len(tgs))
            for tg in tgs:
                self.node_ids[("tg-instance", id(tg))] = nid

    def routes(self) -> None:
        by_block: dict[str, list[Any]] = {}

        def order(rule: Any) -> tuple:
            prio = queries.as_int(rule.priority)
            return (prio if prio is not None else 1 << 30, rule.address)

        for rule in sorted(self.dep.listener_rules, key=order):
            by_block.setdefault(block_of(rule.address), []).append(rule)
        for block, rules in by_block.items():
            paths: list[str] = []
            hosts: list[str] = []
            patterns: set = set()
            for rule in rules:
                pats = queries.path_patterns(rule)
                if isinstance(pats, tuple):
                    paths += [self.redact(p) for p in pats]
                    patterns.update(pats)
                elif pats is None:
                    paths.append("(any path)")
                else:
                    paths.append("(paths not known)")
                for cond in queries.items(rule.conditions):
                    hosts += [self.v(h) for h in queries.items(cond.host_headers)]
            prios = [self.v(r.priority) if r.priority is not None else "(no priority)" for r in rules]
            if len(rules) == 1:
                label = f"listener rule #{prios[0]} {_listing(paths)}"
            else:
                label = f"listener rules {short(block)} \u00d7{len(rules)}"
                label += f"\n#{prios[0]} \u2013 #{prios[-1]}: {_listing(paths)}"
            if hosts:
                label += f"\nhost {_listing(hosts)}"
            claims = {("addr", block)} | {("route", p) for p in patterns}
            nid = self.add_node(("rule", block), label, ROUTE, claims, count=len(rules))
            # every rule of the block gives its edges the same claims: each edge once (linear in the rules)
            route_claims = {("route", p) for p in patterns}
            drawn: set[str] = set()
            for rule in rules:
                targets = queries.forward_targets(rule)
                for value in targets if isinstance(targets, tuple) else ():
                    tg = self.target_group(value)
                    dst = self.node_ids[("tg-instance", id(tg))] if tg is not None else None
                    if dst is not None and dst not in drawn:
                        drawn.add(dst)
                        self.add_edge(nid, dst, "forward", route_claims)

    def tasks(self) -> None:
        for task in sorted(self.dep.task_definitions, key=lambda t: t.address):
            self.task_blocks.setdefault(block_of(task.address), []).append(task)
        for block, tasks in self.task_blocks.items():
            first = tasks[0]
            modes = _listing([self.v(t.network_mode) for t in tasks if t.network_mode is not None])
            if len(tasks) == 1:
                label = f"ECS task {self.v(first.family) or short(block)}"
            else:
                label = f"ECS tasks {short(block)} \u00d7{len(tasks)}: {_listing([self.v(t.family) for t in tasks])}"
            if modes:
                label += f" ({modes})"
            claims = {("addr", block), ("task", block)}
            claims |= {("service", block_of(s.address)) for s in self.services_running(tasks)}
            tid = self.add_node(("task", block), label, TASK, claims, count=len(tasks))
            known = [t for t in tasks if isinstance(t.containers, tuple)]
            if len(known) < len(tasks):
                self.add_node(("containers-unknown", block), "containers known after apply", CONTAINER, group=tid)
            for task in known:
                for c in task.containers:
                    self.container(block, tid, c)

    def services_running(self, tasks: list[TaskDefinition]) -> list[Service]:
        return [s for s in self.dep.services if any(queries.runs_task(s, t) is True for t in tasks)]

    def container(self, block: str, tid: str, c: Container) -> None:
        name = c.name if _hashable(c.name) else readable(c.name)
        if (block, name) in self.container_node:
            return
        role = queries.container_role(c, self.dep, self.config)
        role = role if isinstance(role, str) else None
        kind = DATABASE if role == queries.DATABASE else CONTAINER
        label = self.v(c.name) + (f" ({role})" if role else "") + f"\n{self.image_text(c.image)}"
        claims = {("container", block, name), ("role", block, role)}
        img = queries.parse_image(c.image, self.dep)
        if img.decided:
            claims.add(("repository", img.repository))
        nid = self.add_node(("container", block, name), label, kind, claims, group=tid)
        self.container_node[(block, name)] = nid
        self.container_role[(block, name)] = role

    def image_text(self, image: Any) -> str:
        """``civic-tech-jobs-backend:stage (ECR)``, ``postgres:18.1``."""
        if image is None:
            return "image not set"
        img = queries.parse_image(image, self.dep)
        if not img.decided:
            return self.v(image)
        repo = img.repository[len("library/") :] if img.repository.startswith("library/") else img.repository
        text = self.redact(repo)
        if img.tag is not None:
            text += f":{self.v(img.tag)}"
        if img.digest is not None:
            text += f"@{self.v(img.digest)}"
        if img.is_ecr:
            text += " (ECR)"
        elif img.registry:
            text = f"{self.redact(img.registry)}/{text}"
        return text

    def attachments(self) -> None:
        for service in sorted(self.dep.services, key=lambda s: s.address):
            if not isinstance(service.load_balancers, tuple):
                continue
            blocks = [
                b for b, tasks in self.task_blocks.items() if any(queries.runs_task(service, t) is True for t in tasks)
            ]
            for lb in service.load_balancers:
                tg = self.target_group(lb.target_group)
                if tg is None:
                    continue
                cname = lb.container_name if _hashable(lb.container_name) else readable(lb.container_name)
                for block in blocks:
                    dst = self.container_node.get((block, cname))
                    if dst is None:
                        continue
                    role = self.container_role.get((block, cname))
                    claims = {("attachment", block, cname), ("attachment-role", block, role)}
                    label = f"{self.v(lb.container_name)}:{self.v(lb.container_port)}"
                    self.add_edge(self.node_ids[("tg-instance", id(tg))], dst, label, claims)

    def databases(self) -> None:
        """One node per module call that deploys a managed database (with what it holds), else per block."""
        modules = {d.address for d in self.dep.databases if d.kind == "module"}
        groups: dict[str, list[DatabaseResource]] = {}
        for d in sorted(self.dep.databases, key=lambda x: x.address):
            groups.setdefault(self._database_group(d.address, modules), []).append(d)
        for key, members in groups.items():
            call = next((m for m in members if m.address == key and m.kind == "module"), None)
            if call is not None:
                inside = Counter(
                    "module calls" if m.kind == "module" else ("data." + m.type if m.kind == "data" else m.type)
                    for m in members
                    if m is not call
                )
                label = f"database module {key.rsplit('.', 1)[-1]}"
                if inside:
                    label += f"\n{sum(inside.values())} blocks inside: " + ", ".join(
                        f"{n} {t}" for t, n in sorted(inside.items())
                    )
            else:
                first = members[0]
                what = {"module": "database module", "data": "reads RDS"}.get(first.kind, "managed database")
                label = f"{what} {short(key)}" + (f" \u00d7{len(members)}" if len(members) > 1 else "")
            claims = {("addr", block_of(m.address)) for m in members}
            self.add_node(("db", key), label, MANAGED_DATABASE, claims, count=len(members))

    @staticmethod
    def _database_group(address: str, modules: set[str]) -> str:
        """The outermost database module call holding ``address``, else its block."""
        parts = address.split(".")
        for i in range(2, len(parts) + 1, 2):
            if parts[i - 2] != "module":
                break
            prefix = ".".join(parts[:i])
            if prefix in modules:
                return prefix
        return block_of(address)

    def container_links(self) -> None:
        """Each container's SQL_HOST, volumes and secrets."""
        for block, tasks in self.task_blocks.items():
            services = self.services_running(tasks)
            for task in tasks:
                if not isinstance(task.containers, tuple):
                    continue
                launch = queries.launch_type(task, services[0] if services else None)
                for c in task.containers:
                    name = c.name if _hashable(c.name) else readable(c.name)
                    src = self.container_node.get((block, name))
                    if src is None:
                        continue
                    self.sql_host(block, name, src, c)
                    self.volumes(block, name, src, task, c, launch)
                    self.secrets(block, name, src, c)

    def sql_host(self, block: str, name: Any, src: str, c: Container) -> None:
        host = queries.in_environment(c, "SQL_HOST")
        if host is None:
            return
        port = queries.in_environment(c, "SQL_PORT")
        host_text = "(sensitive)" if host.sensitive else self.v(host.value)
        label = f"SQL_HOST {host_text}" + (f":{self.v(port.value)}" if port is not None and not port.sensitive else "")
        dst = None
        if isinstance(host.value, str) and host.value.strip().lower() in LOOPBACK:
            dst = next(
                (
                    nid
                    for (b, _), nid in self.container_node.items()
                    if b == block and self.container_role.get((b, _)) == queries.DATABASE
                ),
                None,
            )
        if isinstance(host.value, Ref):
            refs = [host.value]
        elif isinstance(host.value, Template):
            refs = [p for p in host.value.parts if isinstance(p, Ref)]
        else:
            refs = []
        for ref in refs:
            dst = dst or self._node_claiming(("addr", block_of(ref.address)))
        if dst is None:  # the host is the node's label; the link says which variable, and the port
            dst = self.add_node(("host", host_text), f"host {host_text}", EXTERNAL)
            label = "SQL_HOST" + (f", port {self.v(port.value)}" if port is not None and not port.sensitive else "")
        self.add_edge(src, dst, label, {("env", block, name, "SQL_HOST"), ("env", block, name, "SQL_PORT")})

    def _node_claiming(self, key: tuple) -> str | None:
        return next((e.node.id for e in self.elements if e.node is not None and key in e.claims), None)

    def volumes(self, block: str, name: Any, src: str, task: TaskDefinition, c: Container, launch: Any) -> None:
        mounts = queries.mounts_of(task, c, launch)
        if not isinstance(mounts, list):
            return
        for info in mounts:
            m = info.mount
            vname = m.source_volume if _hashable(m.source_volume) else readable(m.source_volume)
            verdict = {True: "persists", False: "lost with the task", None: "persistence not known"}[info.persistent]
            vol = info.volume
            if vol is None:
                what = "not declared by the task" if task.volume_named(m.source_volume) is None else "mount not known"
            elif vol.efs is not None:
                what = f"EFS, {verdict}"
            elif vol.configure_at_launch is True:
                what = f"EBS at launch, {verdict}"
            elif vol.host_path is not None:
                what = f"host_path, {verdict}"
            elif vol.docker is not None:
                what = f"docker volume, {verdict}"
            else:
                what = f"bind mount, {verdict}"
            vid = self.add_node(
                ("volume", block, vname),
                f"volume {self.v(m.source_volume)}\n{what}",
                VOLUME,
                {("volume", block, None, vname)},
            )
            ro = " (read-only)" if m.read_only is True else ""
            self.add_edge(src, vid, f"{self.v(m.container_path)}{ro}", {("volume", block, name, vname)})

    def secrets(self, block: str, name: Any, src: str, c: Container) -> None:
        per_secret: dict[Any, list[Any]] = {}
        labels: dict[Any, tuple[str, str | None]] = {}
        for s in queries.items(c.secrets):
            key, label, address = self.secret_of(s.value_from)
            per_secret.setdefault(key, []).append(s.name)
            labels[key] = (label, address)
        for key in sorted(per_secret, key=repr):
            label, address = labels[key]
            sid = self.add_node(key, f"secret {label}", SECRET, {("addr", block_of(address))} if address else ())
            var_names = sorted(self.v(n) for n in per_secret[key])
            self.add_edge(
                src, sid, ", ".join(var_names), {("env", block, name, n) for n in per_secret[key] if _hashable(n)}
            )

    # -- failing marks ---------------------------------------------------------------

    def finish(self, results: list[Result]) -> Graph:
        claimed: dict[Any, list[_Element]] = {}
        for element in self.elements:
            for key in element.claims:
                claimed.setdefault(key, []).append(element)
        rules: dict[int, set[str]] = {}
        missing: defaultdict[tuple[str, str], set[str]] = defaultdict(set)  # failing subjects nothing drawn claims
        for r in results:
            if r.status != FAIL:
                continue
            hit = False
            for key in self.subject_keys(r):
                if key in claimed:
                    for element in claimed[key]:
                        rules.setdefault(id(element), set()).add(r.rule_id)
                    hit = True
                    break
            if not hit and r.subject is not None and r.subject.kind == "route" and self.elements:
                missing[(ROUTE, r.subject.name)].add(r.rule_id)
            elif not hit and r.subject is not None and r.subject.kind == "target_group" and self.elements:
                missing[(TARGET_GROUP, r.subject.name)].add(r.rule_id)
        for kind, name in sorted(missing):
            if kind == ROUTE:
                text = f"no listener rule routes {name}"
            else:  # a role ("no frontend target group"), or a target group the diagram does not draw
                text = f"target group {short(name)}" if "." in name else f"no {name} target group"
            nid = self.add_node(("missing", kind, name), self.redact(text), kind)
            rules[id(self.by_id[nid])] = missing[(kind, name)]
        graph = Graph()
        for element in self.elements:
            marks = tuple(sorted(rules.get(id(element), ())))
            if element.node is not None:
                n = element.node
                graph.nodes.append(Node(n.id, n.label, n.kind, bool(marks), n.group, marks, n.count))
            elif element.edge is not None:
                e = element.edge
                graph.edges.append(Edge(e.src, e.dst, e.label, bool(marks), marks))
        return graph

    def subject_keys(self, r: Result) -> list[tuple]:
        """The keys a failing result concerns, most specific first."""
        s: Subject | None = r.subject
        if s is None:
            return [("addr", block_of(r.address))] if r.address else []
        name = s.name
        if s.kind in ("task", "service"):
            return [(s.kind, block_of(name)), ("addr", block_of(name))]
        if s.kind in ("target_group", "block"):
            return [("addr", block_of(name))]
        if s.kind == "route":
            return [("route", name)]
        if s.kind == "repository":
            return [("repository", name), *([("addr", block_of(r.address))] if r.address else [])]
        if s.kind == "workflow":
            return []
        out: list[tuple] = []
        blocks = self.task_blocks_of(r)
        for block in blocks:
            if s.kind == "container":
                out += [("container", block, name)]
            elif s.kind == "env" and s.container:
                out += [("env", block, s.container, name), ("container", block, s.container)]
            elif s.kind == "volume":
                out += [("volume", block, s.container, name), ("volume", block, None, name)]
                out += [("container", block, s.container)] if s.container else []
            elif s.kind == "attachment":
                out += [("attachment", block, s.container or name), ("attachment-role", block, name)]
                out += [("container", block, s.container)] if s.container else [("role", block, name)]
        # about a container the diagram does not show (or of an unknown kind): the task it belongs to
        return out + [("task", block) for block in blocks]

    def task_blocks_of(self, r: Result) -> list[str]:
        """The task block(s) a container-level result is about: its address's task, the tasks
        its service runs, else the CTJ task."""
        if r.address:
            block = block_of(r.address)
            if block in self.task_blocks:
                return [block]
            service = next((s for s in self.dep.services if block_of(s.address) == block), None)
            if service is not None:
                return [
                    b
                    for b, tasks in self.task_blocks.items()
                    if any(queries.runs_task(service, t) is True for t in tasks)
                ]
        task = queries.ctj_task(self.dep, self.config)
        return [block_of(task.address)] if task is not None else []
