"""Policy configuration: the decision's values, overridable per repository.

Read from ``[tool.ctj-policy]`` in a ``pyproject.toml`` or from a
``.ctj-policy.toml`` (top-level keys), found upward from the current
directory, or named with ``--config``.  Standard library only (tomllib; tomli
on Python 3.10, imported only when a file is read).

Waiver rule IDs are upper-cased here (``ctj026`` means CTJ026); whether such a
rule exists is checked where the rule catalog is known (the CLI), so this module
never imports the rules.
"""

from __future__ import annotations

import datetime
import fnmatch
import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError  # re-exported: ``from ctj_policy.config import ConfigError`` keeps working


@dataclass(frozen=True)
class WaiverSpec:
    rule: str
    address: str = "*"  # glob over the result address
    reason: str = ""
    expires: str | None = None  # YYYY-MM-DD
    origin: str = ""  # where it was declared: "pyproject.toml" or "file.tf:12"

    @property
    def pattern(self) -> str:
        """The address glob it covers: an empty address covers every address."""
        return self.address or "*"


@dataclass(frozen=True)
class Config:
    # container names per role, used when the image does not tell the role
    frontend_names: tuple[str, ...] = ("nextjs", "next", "frontend", "web")
    backend_names: tuple[str, ...] = ("django", "backend", "api")
    database_names: tuple[str, ...] = ("postgres", "db", "pgdb", "database")
    # ECR repositories
    frontend_repository: str = "civic-tech-jobs-frontend"
    backend_repository: str = "civic-tech-jobs-backend"
    legacy_repository: str = "civic-tech-jobs-fullstack"
    legacy_markers: tuple[str, ...] = ("fullstack",)
    # official postgres repositories
    postgres_images: tuple[str, ...] = (
        "postgres",
        "library/postgres",
        "docker.io/library/postgres",
        "public.ecr.aws/docker/library/postgres",
    )
    postgres_major: int = 18
    # ports and paths
    frontend_port: int = 3000
    backend_port: int = 8000
    postgres_port: int = 5432
    backend_paths: tuple[str, ...] = ("/api/*", "/admin/*")
    data_path: str = "/var/lib/postgresql/data"
    # secret-looking env var names (fnmatch patterns on the upper-cased name)
    secret_name_patterns: tuple[str, ...] = (
        "*PASSWORD*",
        "*PASSWD*",
        "*SECRET*",
        "*TOKEN*",
        "*_KEY",
        "*_KEY_*",
        "*PRIVATE*",
        "*CREDENTIAL*",
        "*API_KEY*",
    )
    # the deploy workflow (SPEC section 11, CTJ040-CTJ044): files checked with the Terraform (paths
    # relative to the config file; --workflow wins), build arguments the frontend build must pass,
    # the CI/CD role the workflow must assume through OIDC
    workflows: tuple[str, ...] = ()
    next_public_build_args: tuple[str, ...] = ("NEXT_PUBLIC_API_URL",)
    cicd_role: str = "incubator-cicd-civic-tech-jobs"
    # scope
    scope: str = "auto"
    project_source_suffix: str = "projects/civic-tech-jobs"
    # waivers from the config file
    waivers: tuple[WaiverSpec, ...] = ()
    # `baseline = "FILE"`: the baseline `check` uses (SPEC 10), resolved against the config file's directory
    baseline: str | None = None
    # the file this came from (None = defaults)
    source: str | None = None

    def is_secret_name(self, name: Any) -> bool:
        if not isinstance(name, str):
            return False
        upper = name.upper()
        return any(fnmatch.fnmatchcase(upper, pat.upper()) for pat in self.secret_name_patterns)


DEFAULT = Config()

# keys accepted in the file, mapped to Config fields
_TUPLE_FIELDS = {f.name for f in fields(Config) if f.type.startswith("tuple[str")}
_INT_FIELDS = {f.name for f in fields(Config) if f.type == "int"}
_STR_FIELDS = {f.name for f in fields(Config) if f.type == "str"}


def _file_key(name: str) -> str:
    return name.replace("_", "-")


class _NoTomlParser(ConfigError):
    """Python 3.10 without tomli: no configuration can be read (never skipped silently)."""


def _tomllib():
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise _NoTomlParser(
                "reading TOML on Python < 3.11 needs the 'tomli' package (pip install 'tomli>=2.0')"
            ) from None
    return tomllib


def _load_toml(path: Path) -> dict:
    tomllib = _tomllib()
    from .errors import InputError
    from .limits import MAX_CONFIG_BYTES, read_regular_file

    try:
        raw = read_regular_file(str(path), limit=MAX_CONFIG_BYTES, what="a configuration file", env=False)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or type(exc).__name__}") from None
    except InputError as exc:
        raise ConfigError(f"cannot read config {exc}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: not UTF-8 text (undecodable byte at offset {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"invalid TOML in {path}: nested too deeply") from None
    except ValueError:  # tomllib's int(): more digits than Python converts (sys.get_int_max_str_digits)
        raise ConfigError(f"invalid TOML in {path}: a number too long to read") from None


def find_config(start: Path | None = None) -> Path | None:
    """The nearest .ctj-policy.toml, or pyproject.toml with [tool.ctj-policy]."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / ".ctj-policy.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = _load_toml(pyproject)
            except _NoTomlParser:
                raise  # cannot tell whether it holds [tool.ctj-policy]
            except ConfigError:
                continue
            if "ctj-policy" in data.get("tool", {}):
                return pyproject
    return None


def load_config(path: str | os.PathLike | None = None, *, search: bool = True) -> Config:
    """Load the configuration named by ``path``, or found upward, or defaults."""
    if path is None:
        found = find_config() if search else None
        if found is None:
            return DEFAULT
        path = found
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    data = _load_toml(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("ctj-policy")
        if table is None:
            raise ConfigError(f"{path} has no [tool.ctj-policy] table")
    else:
        table = data.get("tool", {}).get("ctj-policy", data)
    return config_from_table(table, str(path))


def config_from_table(table: dict, origin: str = "<config>") -> Config:
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: [tool.ctj-policy] must be a table")
    changes: dict[str, Any] = {}
    spelled: dict[str, str] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name in spelled:
            raise ConfigError(f"{origin}: {spelled[name]!r} and {key!r} are the same key; keep one")
        spelled[name] = key
        if name == "waivers":
            changes["waivers"] = tuple(_parse_waivers(value, origin))
        elif name == "baseline":
            changes["baseline"] = _baseline_path(value, key, origin)
        elif name in _TUPLE_FIELDS:
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{origin}: {key} must be a list of strings")
            changes[name] = tuple(value) if name != "workflows" else _relative_paths(value, origin)
        elif name in _INT_FIELDS:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"{origin}: {key} must be an integer")
            changes[name] = value
        elif name in _STR_FIELDS and name != "source":
            if not isinstance(value, str):
                raise ConfigError(f"{origin}: {key} must be a string")
            changes[name] = value
        else:
            known = sorted(_file_key(n) for n in _TUPLE_FIELDS | _INT_FIELDS | (_STR_FIELDS - {"source"}) | {"waivers", "baseline"})
            raise ConfigError(f"{origin}: unknown key {key!r} (known keys: {', '.join(known)})")
    return replace(DEFAULT, source=origin, **changes)


def _baseline_path(value: Any, key: str, origin: str) -> str:
    """``baseline = "FILE"``: a path relative to the config file's directory (absolute stays absolute)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{origin}: {key} must be a file name (the baseline made by `ctj-policy baseline`)")
    if os.path.isabs(value) or origin.startswith("<"):
        return value
    return os.path.join(os.path.dirname(origin), value)


def _relative_paths(paths: list[str], origin: str) -> tuple[str, ...]:
    """``workflows = [...]``: paths relative to the config file's folder (``origin`` when it names a file)."""
    base = Path(origin).parent if origin and not origin.startswith("<") else None
    return tuple(p if base is None or os.path.isabs(p) else str(base / p) for p in paths)


def _parse_waivers(value: Any, origin: str) -> list[WaiverSpec]:
    if not isinstance(value, list):
        raise ConfigError(f"{origin}: waivers must be an array of tables ([[tool.ctj-policy.waivers]])")
    out = []
    for i, entry in enumerate(value, 1):
        where = f"{origin}: waiver #{i}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table")
        unknown = set(entry) - {"rule", "address", "reason", "expires"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        rule = entry.get("rule")
        if not isinstance(rule, str) or not rule.strip():
            raise ConfigError(f"{where}: 'rule' is required")
        rule = rule.strip().upper()  # rule IDs are case-insensitive: ctj026 is CTJ026
        if not _RULE_RE.fullmatch(rule):
            raise ConfigError(f"{where}: rule {rule!r} is not a rule ID (CTJnnn, or a glob such as CTJ02*)")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where} ({rule}): a waiver needs a non-empty 'reason'")
        expires = entry.get("expires")
        if expires is not None:
            expires = str(expires)  # TOML dates arrive as datetime.date
            _check_date(expires, where)
        address = entry.get("address", "*")
        if not isinstance(address, str):
            raise ConfigError(f"{where}: 'address' must be a glob string")
        out.append(WaiverSpec(rule=rule, address=address, reason=reason.strip(), expires=expires, origin=origin))
    return out


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# a rule ID, or an fnmatch glob over rule IDs ("CTJ02*", "*"); which IDs exist is the CLI's check
_RULE_RE = re.compile(r"[A-Z0-9*?\[\]!-]+")


def parse_expiry(text: str) -> datetime.date | None:
    """A waiver's ``expires``: exactly ``YYYY-MM-DD`` and a real date, else None.

    Strict on every Python: 3.11's ``date.fromisoformat`` also takes
    ``20270131`` or ``2027-W05-1``, which 3.10 rejects and the docs never promised.
    """
    import datetime

    if not _DATE_RE.fullmatch(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _check_date(text: str, where: str) -> None:
    if parse_expiry(text) is None:
        raise ConfigError(f"{where}: expires must be a date YYYY-MM-DD, got {text!r}")
