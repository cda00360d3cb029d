"""Module calls in scope whose resources are not in the model.

HCL mode reads local module sources only: a ``git::``/registry source, or a
local path that does not exist, is recorded as an
:class:`~ctj_policy.model.UnevaluatedModule`.  Nothing is known of what such a
module deploys, so it may deploy a resource of any type a rule judges: a rule
cannot pass on "nothing in scope is wrong" while one is there (the engine
turns its passes into ``unknown`` naming the module; ``ctj_policy.engine``).
Plan JSON always holds the resources of every module (Terraform installed
them to plan), so a plan has none.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..model import Deployment, UnevaluatedModule


def may_deploy(module: UnevaluatedModule, types: Iterable[str]) -> tuple[str, ...]:
    """Which of ``types`` (resource types or fnmatch patterns) ``module`` may deploy.

    Its source was not read, so any of them: the answer is ``types`` itself, in order, without repeats.
    (Kept a question so that a module whose contents become known some other way answers it precisely.)
    """
    out: list[str] = []
    for t in types:
        if t not in out:
            out.append(t)
    return tuple(out)


def unevaluated_deploying(
    deployment: Deployment, types: Iterable[str]
) -> list[tuple[UnevaluatedModule, tuple[str, ...]]]:
    """The unevaluated module calls in scope that may deploy resources of ``types``, each with those types
    (in the deployment's order, one entry per module address)."""
    wanted = tuple(types)
    out: list[tuple[UnevaluatedModule, tuple[str, ...]]] = []
    seen: set[str] = set()
    for module in deployment.unevaluated_modules:
        if module.address in seen:
            continue
        seen.add(module.address)
        found = may_deploy(module, wanted)
        if found:
            out.append((module, found))
    return out

