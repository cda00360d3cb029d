"""Where a finding is shown: the one place that turns a result's location into
what every reporter prints (SPEC section 9, "locations a CTJ maintainer can act on").

A block built inside a module that the checked project calls (a shared
``modules/container``, ``modules/database``, ...) is shown at the project's own
call site, the outermost ``module`` block inside the scope, e.g.
``projects/civic-tech-jobs/environment-stage.tf:19``: that is the line a CTJ
maintainer edits, while the shared module is used by every project.  The block
itself (and any module call between the two) becomes a *related* location.
A block of the project itself keeps its own location and has no related one.

A result about something missing (no listener rule routes ``/api/*``) has no
block to point at: :func:`anchored` places it where the project declares its
ECS service (else its task definition, else the project's module call).

The scope's depth is read from ``report.input.scope`` (``module.civic-tech-jobs``:
one module level; ``""``: the whole input is the project).  Which module holds
each location in the call chain comes from :attr:`Location.module`; a chain
without it is taken to end in the root module (its last call site).

Presentation only: nothing here reads Terraform, only locations and the report.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace

from ..model import PASS, Location, Report, Result, address_labels

# subjects that are not Terraform blocks: never placed at a Terraform anchor
_NOT_TERRAFORM = ("waiver", "workflow")


@dataclass(frozen=True)
class Related:
    """A secondary location of a finding, with what it is."""

    location: Location
    message: str


@dataclass(frozen=True)
class Placement:
    """Where a finding is shown: the primary location and the related ones (the block itself first)."""

    primary: Location | None
    related: tuple[Related, ...] = ()


def module_depth(address: str | None) -> int:
    """How many module calls deep ``address`` is: ``module.a["k"].module.b`` -> 2, ``""`` -> 0."""
    if not address:
        return 0
    parts = address_labels(address)
    return sum(1 for i in range(0, len(parts) - 1, 2) if parts[i] == "module")


def chain(location: Location | None) -> list[Location]:
    """``location`` and its call sites, innermost first."""
    out: list[Location] = []
    while location is not None and len(out) < 64:
        out.append(location)
        location = location.call_site
    return out


def place(location: Location | None, scope: str = "") -> Placement:
    """The primary location of a block at ``location`` and its related ones, for a run scoped to ``scope``."""
    links = chain(location)
    if not links:
        return Placement(None)
    depth = module_depth(scope)
    at = len(links) - 1
    for i, loc in enumerate(links):
        held_at = module_depth(loc.module) if loc.module is not None else len(links) - 1 - i
        if held_at <= depth:
            at = i
            break
    if at == 0:
        return Placement(links[0])
    related = [Related(links[0], _built_by(links[0], scope))]
    related.extend(Related(links[i], _called_by(links[i], links[i - 1], scope)) for i in range(1, at))
    return Placement(links[at], tuple(related))


def _module_dir(loc: Location) -> str:
    return posixpath.dirname(str(loc.file).replace("\\", "/")) or "."


def _inside(module: str | None, scope: str) -> str:
    """A module address relative to the scope (``module.x.module.y``), for messages."""
    if not module:
        return ""
    if scope and module.startswith(scope + "."):
        return module[len(scope) + 1 :]
    return module


def _built_by(loc: Location, scope: str) -> str:
    name = _inside(loc.module, scope)
    return f"built by module {_module_dir(loc)}" + (f" ({name})" if name else "")


def _called_by(loc: Location, callee: Location, scope: str) -> str:
    called = _inside(callee.module, scope).rsplit(".module.", 1)[-1] if callee.module else ""
    name = _inside(loc.module, scope)
    what = f"{called} called" if called else "called"
    return f"{what} by module {_module_dir(loc)}" + (f" ({name})" if name else "")


def placement(r: Result, report: Report) -> Placement:
    """Where ``r`` is shown in ``report``."""
    return place(r.location, report.input.scope or "")


def inward(p: Placement) -> list[Related]:
    """The related locations from the project's call site inward: the module calls, then the block."""
    return [*p.related[1:][::-1], p.related[0]] if p.related else []


def via(p: Placement) -> str:
    """`` via modules/database/main.tf:8 via modules/secret/main.tf:3`` (outermost first), or ``""``."""
    return "".join(f" via {rel.location.file}:{rel.location.line}" for rel in inward(p))


# --------------------------------------------------------------------------
# results about something missing
# --------------------------------------------------------------------------


def anchor(report: Report) -> Location | None:
    """Where a result without a block of its own is shown: the project file that declares the
    ECS service (else the task definition), else the project's module call, else any block of it."""
    deployment = report.deployment
    if deployment is None:
        return None
    scope = report.input.scope or ""
    for group in (deployment.services, deployment.task_definitions):
        for res in sorted(group, key=lambda r: r.address):
            if res.location is not None:
                return place(res.location, scope).primary
    located = sorted((r for r in deployment.all_resources() if r.location is not None), key=lambda r: r.address)
    if not located:
        return None
    links = chain(located[0].location)
    depth = module_depth(scope)
    for i, loc in enumerate(links):  # the call of the scope module: one level above it
        held_at = module_depth(loc.module) if loc.module is not None else len(links) - 1 - i
        if depth and held_at == depth - 1:
            return loc
    return place(located[0].location, scope).primary


def anchored(report: Report) -> Report:
    """``report`` with every non-passing result about no block (no address, no location, not about a
    waiver or the workflow) placed at :func:`anchor`."""
    missing = [
        r
        for r in report.results
        if r.location is None
        and r.address is None
        and r.status != PASS
        and (r.subject is None or r.subject.kind not in _NOT_TERRAFORM)
    ]
    if not missing:
        return report
    where = anchor(report)
    if where is None:
        return report
    ids = {id(r) for r in missing}
    return replace(report, results=[replace(r, location=where) if id(r) in ids else r for r in report.results])
