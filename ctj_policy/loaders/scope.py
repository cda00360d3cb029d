"""What is CTJ's, and what counts as a database: shared by every loader.  Standard library only."""

from __future__ import annotations

import re

from ..addresses import unkeyed
from ..config import Config
from ..errors import InputError
from ..model import DATABASE_RESOURCE_TYPES

_DATA_PREFIXES = ("aws_db_", "aws_rds_")


def resource_kind(rtype: str, mode: str = "managed") -> str:
    """"database" for anything that provisions or reads a managed database, else ""."""
    if not isinstance(rtype, str):
        return ""
    if rtype in DATABASE_RESOURCE_TYPES or rtype.startswith("postgresql_"):
        return "database"
    if mode == "data" and rtype.startswith(_DATA_PREFIXES):
        return "database"
    return ""


def declares_database(blocks) -> bool:
    """Does a module body declare (directly) anything CTJ020 counts?  ``blocks``: (mode, type) pairs.

    What a block deploys decides, never its name or its module's name (SPEC section 9)."""
    return any(resource_kind(rtype, mode or "managed") == "database" for mode, rtype in blocks)


def config_module_declares_database(module_conf) -> bool | None:
    """A plan ``configuration`` module body: does it (transitively) declare a database resource or
    data source?  None when the body is not in the plan (the caller decides from planned resources)."""
    if not isinstance(module_conf, dict):
        return None
    stack, seen = [module_conf], 0
    while stack:
        conf = stack.pop()
        seen += 1
        if seen > 10_000:  # a pathological configuration: undecided rather than slow
            return None
        resources = [r for r in conf.get("resources") or [] if isinstance(r, dict)]
        if declares_database((r.get("mode"), r.get("type")) for r in resources):
            return True
        for call in (conf.get("module_calls") or {}).values():
            if not isinstance(call, dict):
                continue
            body = call.get("module")
            if not isinstance(body, dict):
                return None  # a called module whose body the plan does not carry: cannot tell
            stack.append(body)
    return False


def normalize_source(source: str) -> str:
    s = source.strip().rstrip("/")
    while s.startswith("./"):
        s = s[2:]
    return s


def is_project_source(source, config: Config) -> bool:
    if not isinstance(source, str):
        return False
    return normalize_source(source).endswith(normalize_source(config.project_source_suffix))


_SCOPE_RE = re.compile(r'^module\.[A-Za-z_][A-Za-z0-9_-]*(\[[^\]]+\])?(\.module\.[A-Za-z_][A-Za-z0-9_-]*(\[[^\]]+\])?)*$')


def resolve_scope(option: str | None, index, config: Config) -> str:
    """The address prefix of the CTJ subtree ("" = the whole input).

    ``auto``: the shallowest module call whose source ends in the project
    path (any depth), else the whole input.  ``root``/``all``: the whole
    input.  ``module.x[.module.y]``: that subtree.
    ``index`` is anything with ``module_calls()`` yielding (address, name, source).
    """
    option = (option or "auto").strip()
    if option in ("root", "all", "", "."):
        return ""
    if option == "auto":
        for address, _name, source in index.module_calls():
            if is_project_source(source, config):
                return address
        return ""
    if not _SCOPE_RE.match(option):
        raise InputError(f"--scope {option!r}: expected auto, root, or a module address like module.civic-tech-jobs")
    known = [address for address, _n, _s in index.module_calls()]
    base = unkeyed(option)
    if known and base not in known:
        raise InputError(f"--scope {option}: no such module call in the input (known: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''})")
    return option
