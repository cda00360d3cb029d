"""Loaders: turn an input (plan JSON, HCL directory, Checkov conf) into the model.

Loaders know nothing of rules.  Entry points (imported lazily by the CLI):

- ``ctj_policy.loaders.plan.load_plan(path, config, scope=None) -> Loaded``
  (``path`` may be ``"-"`` for stdin)
- ``ctj_policy.loaders.hcl.load_hcl(directory, config, scope=None, variables=None, var_files=()) -> Loaded``
- ``ctj_policy.loaders.hcl.apply_sources(loaded, source_dir, config, variables=None, var_files=()) -> None``
  (plan mode ``--source-dir``: adds source locations and fills values the plan leaves unknown)

Which resource types become which model objects is decided once, in
``ctj_policy.loaders.build`` (``add_resource``); each loader hands it a small
adapter over its own input (``build.ResourceView``).

Errors come from ``ctj_policy.errors`` (``InputError`` is re-exported here).
"""

from __future__ import annotations

import os
from typing import NamedTuple

from ..errors import InputError  # re-exported: ``from ctj_policy.loaders import InputError`` keeps working
from ..model import Deployment, InputInfo


class Loaded(NamedTuple):
    deployment: Deployment
    info: InputInfo


_SOURCE_SUFFIXES = (".tf", ".tf.json")
_MAX_ENTRIES_LOOKED_AT = 500  # a home directory given by mistake is not listed whole


def _has_sources(directory: str) -> bool | None:
    """Whether ``directory`` holds a .tf file; None when it cannot be listed or is too big to look through."""
    try:
        with os.scandir(directory) as entries:
            for i, entry in enumerate(entries):
                if i >= _MAX_ENTRIES_LOOKED_AT:
                    return None
                if entry.name.endswith(_SOURCE_SUFFIXES):
                    return True
    except OSError:
        return None
    return False


def check_source_directory(path: str) -> None:
    """Before HCL mode: a directory with no .tf files but Terraform sources one level below it (a
    repository root with ``terraform/``) is an InputError naming the directory to pass (SPEC section 9).

    Anything else is left to the HCL loader, which says what is wrong with the directory itself.
    """
    if _has_sources(path) is not False:
        return
    try:
        with os.scandir(path) as entries:
            subdirs = sorted(e.name for e in entries if not e.name.startswith(".") and e.is_dir())
    except OSError:
        return
    subdirs.sort(key=lambda n: n != "terraform")  # the incubator keeps its root in terraform/: first
    found: list[str] = []
    for name in subdirs[:_MAX_ENTRIES_LOOKED_AT]:
        sub = os.path.join(path, name)
        if _has_sources(sub):
            found.append(sub)
            if len(found) == 3:
                break
    if found:
        others = f" (also: {', '.join(found[1:])})" if len(found) > 1 else ""
        raise InputError(
            f"{path}: no .tf files in this directory, but {found[0]} has them{others}: give that directory as PATH"
        )
    if "terraform" in subdirs:
        terraform = os.path.join(path, "terraform")
        raise InputError(
            f"{path}: no .tf files in this directory; is the Terraform root below {terraform}? "
            "give that directory as PATH"
        )


__all__ = ["InputError", "Loaded", "check_source_directory"]
