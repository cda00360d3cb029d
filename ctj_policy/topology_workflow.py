"""The deploy workflows in the diagram (SPEC section 11): their images flowing into the task's containers.

:func:`extend` adds to the graph :mod:`ctj_policy.topology` built, when the
deployment has workflows (``--workflow``; without one the graph is unchanged):

* one node per image push (``WORKFLOW_IMAGE``): the repository and tag it sends,
  and the workflow ``file:line`` of the push;
* an edge from it to each container of the CTJ task that pulls that repository:
  solid when the push's tag is the one the container pulls, dashed and marked
  ``tag differs`` when it can never be, dashed ``tag known at run time`` when it
  depends on the run.  A push whose repository no container pulls is a mismatch
  (``no container pulls it``);
* a container pulling a private ECR image that no push sends: a missing node
  (``WORKFLOW_MISSING``, "no workflow pushes repo:tag") and a dashed edge to it;
* one node per redeploy (``WORKFLOW_REDEPLOY``) with an edge to the task the CTJ
  service runs: dashed and marked when the service or cluster it redeploys is not
  that service's.

Which push meets which container, and which service and cluster the CTJ
service is, are asked of :mod:`ctj_policy.queries` (``queries.workflows`` is
what CTJ040 and CTJ041 use), so the diagram agrees with the rules.  The rule IDs
on an element are the failing results located at its workflow lines
(``Result.location``) or, for a container's missing push, whose subject is that
container: never message text.  Every label passes through the builder's
redactor (the report's final pass redacts the diagram again).  Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import queries
from .model import FAIL, Result, Service, Unknown
from .queries.workflows import pushed_tag, pushes_to, repository, service_cluster, tag_matches
from .topology import Edge, Graph, Node, _hashable, block_of, readable
from .workflow_model import ImagePush, Redeploy, show

WORKFLOW_IMAGE = "workflow_image"
WORKFLOW_REDEPLOY = "workflow_redeploy"
WORKFLOW_MISSING = "workflow_missing"


def extend(builder: Any, graph: Graph, results: Iterable[Result]) -> Graph:
    """``graph`` (built by ``builder``, a ``topology._Builder``) with the deployment's workflows added."""
    if builder.dep.workflows:
        _Workflows(builder, graph, list(results)).run()
    return graph


class _Workflows:
    def __init__(self, builder: Any, graph: Graph, results: list[Result]):
        self.b = builder
        self.graph = graph
        paths = {wf.path for wf in builder.dep.workflows}
        # the failing results located in a workflow, by (file, line)
        self.failing: dict[tuple[str, int], list[Result]] = {}
        for r in results:
            if r.status == FAIL and r.location is not None and r.location.file in paths:
                self.failing.setdefault((r.location.file, r.location.line), []).append(r)
        self.count = 0

    # -- elements ------------------------------------------------------------------

    def node(self, label: str, kind: str, rules: set[str], mismatch: bool = False) -> str:
        nid = f"wf{self.count}"
        self.count += 1
        self.graph.nodes.append(Node(nid, label, kind, bool(rules) or mismatch, rules=tuple(sorted(rules))))
        return nid

    def edge(
        self, src: str, dst: str, label: str, *, dashed: bool = False, mismatch: bool = False, rules: Iterable[str] = ()
    ) -> None:
        marks = tuple(sorted(set(rules)))
        self.graph.edges.append(Edge(src, dst, label, mismatch or bool(marks), marks, dashed=dashed or mismatch))

    def rules_at(self, file: str, lines: Iterable[int], container: Any = None) -> set[str]:
        """IDs of the failing results at ``file``'s ``lines`` (about ``container`` when given)."""
        out = set()
        for line in set(lines):
            for r in self.failing.get((file, line), ()):
                about = r.subject is not None and r.subject.kind == "container" and r.subject.name == container
                if container is None or about:
                    out.add(r.rule_id)
        return out

    def text(self, value: Any) -> str:
        return self.b.redact(show(value))

    # -- the graph -------------------------------------------------------------------

    def run(self) -> None:
        dep, config = self.b.dep, self.b.config
        task = queries.ctj_task(dep, config)
        pulls = self.pulls(task)  # None: what the task pulls is not known
        pushes = [p for wf in dep.workflows for p in wf.pushes]
        for p in pushes:
            self.push(p, pulls)
        for block, c, repo, tag in pulls or ():
            if not pushes_to(pushes, repo):
                self.missing(block, c, repo, tag)
        service = queries.ctj_service(dep, config, task) if task is not None else None
        for wf in dep.workflows:
            for r in wf.redeploys:
                if r.service is not None:  # without a service the action only registers a task definition
                    self.redeploy(r, service if isinstance(service, Service) else None)

    def pulls(self, task: Any) -> list[tuple[str, Any, str, str]] | None:
        """(task block, container, repository, tag) of each private ECR image the CTJ task pulls by tag."""
        if task is None or queries.containers_unknown(task) is not None:
            return None
        out = []
        for c in task.containers:
            img = queries.parse_image(c.image, self.b.dep)
            by_tag = isinstance(img.tag, str) or (img.tag is None and img.digest is None)
            if img.decided and img.is_ecr and by_tag:
                out.append((block_of(task.address), c, img.repository, img.tag if img.tag is not None else "latest"))
        return out

    def container_id(self, block: str, c: Any) -> str | None:
        return self.b.container_node.get((block, c.name if _hashable(c.name) else readable(c.name)))

    def push(self, p: ImagePush, pulls: list | None) -> None:
        o = p.origin
        lines = [o.line, p.image.line]
        if p.build is not None:
            lines += [p.build.origin.line, *(a.line for a in p.build.build_args)]
        repo = repository(p.image)
        ecr = p.image.is_ecr
        shown = f"{repo}:{show(pushed_tag(p))}" if repo is not None else show(p.image.text)
        pulled = [x for x in pulls or () if x[2] == repo] if repo is not None and ecr is not False else []
        why = ""
        if ecr is False:
            why = "\nnot an ECR registry"
        elif repo is None or ecr is None:
            why = "\nrepository known only at run time"
        elif pulls is not None and not pulled:
            why = "\nno container of the task pulls it"
        label = f"workflow pushes {self.b.redact(shown)}{why}\n{self.b.redact(o.file)}:{p.image.line or o.line}"
        nid = self.node(label, WORKFLOW_IMAGE, self.rules_at(o.file, lines), mismatch=why.endswith("pulls it"))
        for block, c, _repo, tag in pulled:
            dst = self.container_id(block, c)
            if dst is None:
                continue
            rules = self.rules_at(o.file, lines, c.name)
            match = tag_matches(p, tag)
            if match is True and p.certain is True:
                self.edge(nid, dst, f"pulls :{tag}", rules=rules)
            elif match is False:
                label = f"tag differs: pushes :{self.text(pushed_tag(p))}, pulls :{tag}"
                self.edge(nid, dst, label, mismatch=True, rules=rules)
            else:
                why = "tag known at run time" if match is None else "the push may not run"
                self.edge(nid, dst, f"{why}: pulls :{tag}?", dashed=True, rules=rules)

    def missing(self, block: str, c: Any, repo: str, tag: str) -> None:
        dst = self.container_id(block, c)
        if dst is None:
            return
        rules = {
            r.rule_id
            for found in self.failing.values()
            for r in found
            if r.subject is not None and r.subject.kind == "container" and r.subject.name == c.name
        }
        label = f"no workflow pushes {self.b.redact(repo)}:{self.b.redact(tag)}"
        nid = self.node(label, WORKFLOW_MISSING, rules, mismatch=True)
        self.edge(nid, dst, "image never pushed", mismatch=True, rules=rules)

    def redeploy(self, r: Redeploy, service: Service | None) -> None:
        o = r.origin
        line = r.service_line or o.line
        label = f"workflow redeploys service {self.text(r.service_name)}\non cluster {self.text(r.cluster_name)}"
        label += f"\n{self.b.redact(o.file)}:{line}"
        rules = self.rules_at(o.file, [o.line, r.service_line, r.cluster_line])
        reasons, undecided = [], False
        if service is not None:
            pairs = (("service", r.service_name, service.name), ("cluster", r.cluster_name, service_cluster(service)))
            for what, got, want in pairs:
                if not isinstance(got, str) or not isinstance(want, str) or isinstance(want, Unknown):
                    undecided = True
                elif got != want:
                    reasons.append(f"{what} is not {self.b.redact(want)}")
        nid = self.node(label, WORKFLOW_REDEPLOY, rules, mismatch=bool(reasons))
        if service is None:
            return
        tasks = [
            self.b.node_ids[("task", block)]
            for block, tasks in self.b.task_blocks.items()
            if ("task", block) in self.b.node_ids and any(s is service for s in self.b.services_running(tasks))
        ]
        for tid in tasks:
            if reasons:
                self.edge(nid, tid, "; ".join(reasons), mismatch=True, rules=rules)
            elif undecided:
                self.edge(nid, tid, "redeploys it?", dashed=True, rules=rules)
            else:
                self.edge(nid, tid, "redeploys", rules=rules)


__all__ = ["WORKFLOW_IMAGE", "WORKFLOW_MISSING", "WORKFLOW_REDEPLOY", "extend"]
