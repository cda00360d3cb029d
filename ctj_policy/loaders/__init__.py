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

from typing import NamedTuple

from ..errors import InputError  # re-exported: ``from ctj_policy.loaders import InputError`` keeps working
from ..model import Deployment, InputInfo


class Loaded(NamedTuple):
    deployment: Deployment
    info: InputInfo


__all__ = ["InputError", "Loaded"]
