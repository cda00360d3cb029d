"""What is CTJ's, and what counts as a database: shared by every loader.  Standard library only."""

from __future__ import annotations

import re

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


def database_module(name: str, source) -> bool:
    """A module call that provisions a database (the incubator's modules/database, an RDS module)."""
    src = normalize_source(source) if isinstance(source, str) else ""
    last = src.rsplit("/", 1)[-1]
    if last in ("database", "db", "rds", "aurora", "postgres", "postgresql") or "terraform-aws-modules/rds" in src:
        return True
    return bool(re.search(r"(^|[_-])(database|rds|db)($|[_-])", name or ""))


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
    base = re.sub(r"\[[^\]]*\]", "", option)
    if known and base not in known:
        raise InputError(f"--scope {option}: no such module call in the input (known: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''})")
    return option
