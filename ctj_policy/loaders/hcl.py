"""HCL mode: a directory of ``.tf`` sources -> the normalized model.

``load_hcl`` evaluates the configuration the way a plan would (see
:mod:`hcl_eval`) and builds the same model objects the plan loader builds from
``terraform show -json``, so every rule runs unchanged.  ``apply_sources``
lends the sources to plan mode (``--source-dir``): file:line locations for
every model element, and task definitions whose containers the plan leaves
unknown.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..config import Config
from ..model import (
    KNOWN_AFTER_APPLY,
    NOT_EVALUATED,
    DatabaseResource,
    Deployment,
    InputInfo,
    Location,
    ModuleCall,
    Ref,
    Resource,
    TaskDefinition,
    Template,
    UnevaluatedModule,
    Unknown,
    strip_index,
)
from . import InputError, Loaded
from .build import PLAIN, add_resource, secret_env_values
from .clusters import hcl_attribute, name_clusters
from .scope import is_project_source

# --------------------------------------------------------------------------
# entry points
# --------------------------------------------------------------------------


def load_hcl(
    directory: str | Path,
    config: Config,
    scope: str | None = None,
    variables: Mapping[str, str] | Iterable[str] | None = None,
    var_files: Iterable[str | Path] = (),
) -> Loaded:
    """Evaluate the Terraform root ``directory`` and build the model of its CTJ scope."""
    path = Path(directory)
    if not path.is_dir():
        raise InputError(f"{directory}: not a directory")
    from .hcl_parse import parse_dir

    if not parse_dir(path):
        raise InputError(f"{directory}: no .tf files in this directory")
    deployment, scope_str, _ = _evaluate(path, config, scope, variables, var_files, prefix="")
    info = InputInfo(kind="hcl", path=str(directory), scope=scope_str)
    return Loaded(deployment, info)


def apply_sources(
    loaded: Loaded,
    source_dir: str | Path,
    config: Config,
    variables: Mapping[str, str] | Iterable[str] | None = None,
    var_files: Iterable[str | Path] = (),
) -> None:
    """Plan mode ``--source-dir``: locations by address, and containers/volumes the plan leaves unknown.

    ``source_dir`` may be the Terraform root the plan was made in, or the
    project directory itself (then its addresses are taken to live under the
    plan's scope, e.g. ``module.civic-tech-jobs``).
    """
    path = Path(source_dir)
    if not path.is_dir():
        raise InputError(f"--source-dir {source_dir}: not a directory")
    plan_scope = loaded.info.scope or ""
    src, src_scope, locations = _evaluate(
        path, config, plan_scope or "root", variables, var_files, prefix="", allow_missing_scope=True
    )
    if plan_scope and not src_scope:
        # the sources are the project directory itself: evaluate it as that module
        src, src_scope, locations = _evaluate(path, config, "root", variables, var_files, prefix=plan_scope)
    dep = loaded.deployment
    by_addr: dict[str, Resource] = {}
    for res in src.all_resources():
        by_addr.setdefault(res.address, res)
        by_addr.setdefault(strip_index(res.address), res)
    for res in dep.all_resources():
        if res.location is None:
            res.location = _locate(res.address, locations)
        twin = by_addr.get(res.address) or by_addr.get(strip_index(res.address))
        if isinstance(res, TaskDefinition) and isinstance(twin, TaskDefinition):
            if isinstance(res.containers, Unknown) and isinstance(twin.containers, tuple):
                res.containers = twin.containers
            elif isinstance(res.containers, tuple):
                res.containers = tuple(_with_location(c, res.location) for c in res.containers)
            if isinstance(res.volumes, Unknown) and isinstance(twin.volumes, tuple):
                res.volumes = twin.volumes
    dep.redact.update(src.redact)
    dep.waivers.extend(src.waivers)
    # a module the sources could not read is in the plan all the same: its notes concern HCL mode only
    unread = tuple(f"{m.address}:" for m in src.unevaluated_modules)
    for note in src.notes:
        if note not in dep.notes and not note.startswith(unread):
            dep.notes.append(note)


def _locate(address: str, locations: dict) -> Location | None:
    """The source location of ``address`` or of the nearest block that contains it."""
    a = address
    while a:
        loc = locations.get(a)
        if loc is not None:
            return loc
        cut = max(a.rfind("."), a.rfind("["))
        if cut <= 0:
            break
        a = a[:cut]
    return None


def _with_location(container, location):
    if container.location is not None or location is None:
        return container
    from dataclasses import replace

    return replace(container, location=location)


# --------------------------------------------------------------------------
# variables
# --------------------------------------------------------------------------


class _CliValue:
    """A ``--var`` or ``TF_VAR_name`` value: a literal string for primitive types, an HCL expression otherwise."""

    __slots__ = ("text", "origin")

    def __init__(self, text: str, origin: str = "--var"):
        self.text = text
        self.origin = origin  # "--var" or "TF_VAR_name" (errors name it, never the value)


ENV_PREFIX = "TF_VAR_"


def _env_values() -> dict[str, _CliValue]:
    """``TF_VAR_name`` environment variables, as Terraform reads them (the lowest precedence)."""
    return {
        k[len(ENV_PREFIX) :]: _CliValue(v, k)
        for k, v in sorted(os.environ.items())
        if k.startswith(ENV_PREFIX) and len(k) > len(ENV_PREFIX)
    }


def _read_var_file(path: Path, budget) -> dict[str, Any]:
    from .hcl_eval import eval_constant
    from .hcl_parse import display_path, parse_file, read_source
    from .hcl_values import Budget

    shown = display_path(path)
    if not path.is_file():
        raise InputError(f"var file not found: {shown}")
    if path.name.endswith(".json"):
        raw = read_source(path, shown, budget)
        try:
            data = json.loads(raw.decode("utf-8-sig"), parse_constant=_no_json_constant)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"{shown}: not a valid JSON var file ({exc.__class__.__name__})") from None
        if not isinstance(data, dict):
            raise InputError(f"{shown}: a JSON var file must hold an object")
        Budget().check(data, shown)
        return data
    parsed = parse_file(path, shown, budget)
    if parsed.blocks:
        b = parsed.blocks[0]
        raise InputError(f"{b.file}:{b.line}: a var file holds only name = value assignments")
    return {name: eval_constant(attr.expr, f"{shown}:{attr.line}") for name, attr in parsed.attrs.items()}


def _no_json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _root_values(root: Path, variables, var_files, budget) -> dict[str, Any]:
    """Root module values in Terraform's order of precedence, lowest first: TF_VAR_name
    environment variables, terraform.tfvars(.json), *.auto.tfvars(.json), --var-file, --var."""
    values: dict[str, Any] = dict(_env_values())
    auto = []
    for name in ("terraform.tfvars", "terraform.tfvars.json"):
        if (root / name).is_file():
            auto.append(root / name)
    with contextlib.suppress(OSError):
        auto += sorted(p for p in root.iterdir() if p.name.endswith((".auto.tfvars", ".auto.tfvars.json")) and p.is_file())
    for f in [*auto, *(Path(v) for v in var_files)]:
        values.update(_read_var_file(f, budget))
    if variables:
        items = variables.items() if isinstance(variables, Mapping) else (_split_var(v) for v in variables)
        for k, v in items:
            values[k] = _CliValue(v) if isinstance(v, str) else v
    return values


def _split_var(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise InputError(f"--var {text!r}: expected NAME=VALUE")
    k, v = text.split("=", 1)
    return k.strip(), v


# --------------------------------------------------------------------------
# evaluation -> model
# --------------------------------------------------------------------------


def _check_hcl2() -> None:
    """Exit 2 with a fix when Checkov's bc-python-hcl2 has clobbered python-hcl2's ``hcl2``
    (checked on every HCL run, even when every file comes from the parse cache)."""
    try:
        from ..hcl2_check import ensure_python_hcl2
    except ModuleNotFoundError:  # pragma: no cover - the Checkov adapter's module
        return
    ensure_python_hcl2()


def _evaluate(path, config, scope, variables, var_files, prefix="", allow_missing_scope=False):
    """Evaluate the configuration at ``path``; whatever goes wrong is one InputError line."""
    import sys

    from .hcl_values import EvalError

    _check_hcl2()
    # the limits (hcl_values) keep evaluation ~1,000 Python frames deep at most: leave it room
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 4000))
    try:
        return _evaluate_in(path, config, scope, variables, var_files, prefix, allow_missing_scope)
    except EvalError as exc:  # an invalid configuration where no value could stand for it
        raise InputError(f"{path}: invalid configuration: {exc}") from None
    except RecursionError:  # pragma: no cover - the limits are meant to prevent it
        raise InputError(f"{path}: the configuration is nested too deeply to evaluate") from None
    finally:
        sys.setrecursionlimit(old_limit)


def _evaluate_in(path, config, scope, variables, var_files, prefix, allow_missing_scope):
    from . import hcl_eval as he

    loader = he.Loader(path, {})
    root_values = _root_values(path, variables, var_files, loader.parse_budget)
    root = he.ModuleInst(loader, path.resolve(), prefix)
    root._index()
    for name, value in root_values.items():
        decl = root.variables.get(name)
        if decl is None:
            if isinstance(value, _CliValue) and value.origin == "--var":
                raise InputError(f"--var {name}: no variable {name!r} is declared in {path}")
            continue  # terraform only warns for undeclared tfvars values, and ignores TF_VAR_ ones
        if isinstance(value, _CliValue):
            if config.is_secret_name(name):
                loader.mark_sensitive(value.text, f"var.{name}, a secret-looking variable")
            value = _cli_value(value.text, decl, name, value.origin)
        if config.is_secret_name(name):  # a value the user gave for a secret-looking variable
            loader.mark_sensitive(value, f"var.{name}, a secret-looking variable")
        loader.root_values[name] = value

    scope_mods, scope_str = _find_scope(root, config, scope, allow_missing_scope)
    dep = Deployment(scope=scope_str)
    builder = _Builder(dep, config, loader)
    for mod in scope_mods:
        builder.walk(mod)
    name_clusters(dep, hcl_attribute(root))
    builder.finish()
    return dep, scope_str, builder.locations


def _cli_value(text: str, decl, name: str, origin: str = "--var") -> Any:
    from .hcl_eval import eval_constant, source_text
    from .hcl_parse import MAX_FILE_BYTES, parse_text

    t = decl.attrs.get("type")
    tname = source_text(t.expr) if t is not None else ""
    if tname in ("", "string", "number", "bool"):
        return text
    shown = origin if origin != "--var" else f"--var {name}"
    if len(text) > MAX_FILE_BYTES:
        raise InputError(f"{shown}: {len(text):,} characters, over the limit of {MAX_FILE_BYTES:,}")
    parsed = parse_text(f"v = {text}\n", shown)
    return eval_constant(parsed.attrs["v"].expr, shown)


_SEG_RE = re.compile(r'^module\.([A-Za-z0-9_-]+)(\[[^\]]+\])?$')


def _split_scope(scope: str) -> list[str]:
    # module.a.module.b["x"] -> ["module.a", 'module.b["x"]']
    return re.findall(r'module\.[A-Za-z0-9_-]+(?:\[[^\]]*\])?', scope)


def _find_scope(root, config: Config, scope: str | None, allow_missing: bool):
    from .hcl_eval import EvalError, ModuleInst

    scope = (scope if scope is not None else config.scope or "auto").strip()
    if scope in ("root", "all", "", "."):
        return [root], root.address
    if scope == "auto":
        level = [root]
        while level:
            found = []
            nxt = []
            for mod in level:
                mod._index()
                for name in mod.modules:
                    try:
                        src = mod.module_source(name)
                    except EvalError:
                        continue
                    if is_project_source(src, config):
                        found.extend(c for c in mod.children(name) if isinstance(c, ModuleInst))
                if not found:
                    for name in mod.modules:
                        nxt.extend(c for c in mod.children(name) if isinstance(c, ModuleInst))
            if found:
                return found, found[0].address if len(found) == 1 else _common(found)
            level = nxt
        return [root], root.address
    mods = [root]
    for seg in _split_scope(scope):
        m = _SEG_RE.match(seg)
        if not m:
            break
        nxt = []
        for mod in mods:
            mod._index()
            if m.group(1) not in mod.modules:
                continue
            for child in mod.children(m.group(1)):
                if isinstance(child, ModuleInst) and (m.group(2) is None and strip_index(child.address).endswith(seg) or child.address.endswith(seg)):
                    nxt.append(child)
        mods = nxt
    if not mods or not _split_scope(scope):
        if allow_missing:
            return [root], root.address
        raise InputError(f"--scope {scope}: no such local module call in {root.display_dir}")
    return mods, scope


def _common(mods) -> str:
    return strip_index(mods[0].address)


class _Builder:
    def __init__(self, dep: Deployment, config: Config, loader):
        self.dep = dep
        self.config = config
        self.loader = loader
        self.seen_files: set[str] = set()
        self.block_addresses: dict[tuple[str, int], tuple[str, bool]] = {}
        self.locations: dict[str, Location] = {}

    # walking -------------------------------------------------------------

    def walk(self, mod) -> None:
        from .hcl_eval import ModuleInst, RemoteModuleValue

        for f in mod.files:
            self._scan_waivers_later(f)
        for inst in mod.all_resource_instances():
            self.block_addresses.setdefault((inst.block.file, inst.block.line), (_block_base(inst.address), inst.key is not None))
            self.locations[inst.address] = inst.location
            self.locations.setdefault(_block_base(inst.address), inst.location)
            self.resource(inst)
        for name, block in mod.modules.items():
            source = mod.module_source(name)
            children = mod.children(name)
            for child in children:
                addr = child.address
                self.block_addresses.setdefault(
                    (block.file, block.line), (_block_base(addr), "count" in block.attrs or "for_each" in block.attrs)
                )
                loc = Location(block.file, block.line, mod.call_location, module=mod.address)
                self.locations[addr] = loc
                self.locations.setdefault(_block_base(addr), loc)
                src = source if isinstance(source, str) else _model(source)
                self.dep.module_calls.append(ModuleCall(addr, name=name, source=src, location=loc, type="module"))
                if isinstance(child, ModuleInst):
                    before = len(self.dep.databases)
                    self.walk(child)
                    # a database module is one that (transitively) declares what CTJ020 counts, whatever its name
                    if any(d.kind != "module" for d in self.dep.databases[before:]):
                        self.dep.databases.insert(
                            before, DatabaseResource(addr, kind="module", identifier=src, location=loc, type="module")
                        )
                elif isinstance(child, RemoteModuleValue):
                    self.dep.unevaluated_modules.append(UnevaluatedModule(addr, child.reason, child.source, loc))
                    self.loader.note(f"{addr}: {child.reason}; its resources are not checked")

    def _scan_waivers_later(self, f) -> None:
        if f.path in self.seen_files:
            return
        self.seen_files.add(f.path)
        self._files = getattr(self, "_files", [])
        self._files.append(f)

    def finish(self) -> None:
        from ..waivers import WaiverSyntaxError, scan_text, to_specs

        for f in getattr(self, "_files", []):
            try:
                found = scan_text(_comment_lines(f), f.path)
            except WaiverSyntaxError as exc:
                raise InputError(str(exc)) from None
            for w in found:
                target = self.block_addresses.get((f.path, w.block_line))
                if target is None:
                    continue  # a block outside the scope (or not a resource/module)
                address, has_instances = target
                self.dep.waivers.extend(to_specs(w, address, has_instances))
        self.dep.redact.update(s for s in self.loader.sensitive if isinstance(s, str))
        # secret-looking env values are never printed either
        self.dep.redact.update(s for s in secret_env_values(self.dep.task_definitions, self.config.is_secret_name) if s)
        for note in self.loader.notes:
            if note not in self.dep.notes:
                self.dep.notes.append(note)

    # resources -------------------------------------------------------------

    def resource(self, inst) -> None:
        view = _View(inst.view(), inst.address, inst.location, self.loader)
        add_resource(self.dep, inst.mode, inst.type, inst.address, view)
        if inst.type == "aws_ssm_parameter" and inst.mode != "data" and view.get("type") == "SecureString":
            self.loader.mark_sensitive(view.get("value"), f"also stored as the SecureString {inst.address}")


class _Block:
    """A block as the HCL evaluator sees it: HCL's :class:`~.build.AttributeView`.

    Values pass through :func:`_model`; what the sources do not decide stays
    symbolic (Ref/Template/Unknown), never unset.  Terraform's list form of
    nested blocks (``ingress = [{...}]``) counts as blocks too.
    """

    __slots__ = ("view",)

    def __init__(self, view):
        self.view = view

    def get(self, name: str, hint: str = PLAIN) -> Any:
        return _model(self.view.get(name))

    def values(self, name: str, hint: str = PLAIN) -> Any:
        return _tuple(self.get(name))

    def blocks(self, name: str) -> list:
        found: list = [_Block(b) for b in self.view.blocks(name)]
        listed = self.get(name)
        if isinstance(listed, (list, tuple)):
            found.extend(_Item(item) for item in listed if isinstance(item, dict))
        return found

    def unknown(self, name: str = "", hint: str = PLAIN) -> Unknown | None:
        value = self.get(name) if name else None
        return value if isinstance(value, Unknown) else None


class _View(_Block):
    """A resource instance: HCL's :class:`~.build.ResourceView`.  Its own ``arn``
    and ``repository_url`` are always references to itself."""

    __slots__ = ("address", "location", "loader")

    def __init__(self, view, address: str, location: Location, loader):
        super().__init__(view)
        self.address = address
        self.location = location
        self.loader = loader

    def self_ref(self, name: str) -> Any:
        return Ref(self.address, name)

    def containers(self, where: str) -> Any:
        """Env values built from a sensitive provider attribute are marked sensitive."""
        from .containers import parse_container_definitions
        from .hcl_eval import JsonEncoded

        raw = self.view.get("container_definitions")
        raw = _model(raw.value if isinstance(raw, JsonEncoded) else raw)
        containers = parse_container_definitions(
            raw, where, sensitive=self.loader.sensitive, location=self.location, origins=self.loader.sensitive_from
        )
        if isinstance(containers, tuple):
            containers = tuple(_mark_sensitive_refs(c) for c in containers)
        return containers


class _Item:
    """One object of a nested block's list form (``ingress = [{...}]``), already evaluated."""

    __slots__ = ("item",)

    def __init__(self, item: dict):
        self.item = item

    def get(self, name: str, hint: str = PLAIN) -> Any:
        return self.item.get(name)

    def values(self, name: str, hint: str = PLAIN) -> Any:
        return _tuple(self.get(name))

    def blocks(self, name: str) -> list:
        return []

    def unknown(self, name: str = "", hint: str = PLAIN) -> Unknown | None:
        return None


def _comment_lines(f) -> list[str]:
    """The file's lines for the inline-waiver scan, heredoc bodies blanked: a heredoc line
    that reads ``# ctj-policy:ignore ...`` is text, not a comment."""
    if not any("ctj-policy" in line for line in f.lines):
        return f.lines
    inside: set[int] = set()
    stack: list = [a.expr for a in f.attrs.values()]
    blocks = list(f.blocks)
    while blocks:
        b = blocks.pop()
        stack.extend(a.expr for a in b.attrs.values())
        blocks.extend(b.blocks)
    while stack:
        node = stack.pop()
        if isinstance(node, str):  # a token
            if getattr(node, "type", "").startswith("HEREDOC"):
                inside.update(range(node.line + 1, node.line + node.count("\n")))
            continue
        stack.extend(node.children)
    # blank only the marker lines: the heredoc's closing delimiter must stay for waivers.scan_text,
    # which tracks heredocs textually too
    return [("" if i in inside and "ctj-policy" in line else line) for i, line in enumerate(f.lines, 1)]


def _block_base(address: str) -> str:
    return strip_index(address)


# provider attributes the schema marks sensitive: a value built from one is sensitive in a plan
SENSITIVE_ATTRIBUTES = frozenset(
    {
        ("random_password", "result"),
        ("random_password", "bcrypt_hash"),
        ("aws_secretsmanager_secret_version", "secret_string"),
        ("aws_secretsmanager_secret_version", "secret_binary"),
        ("aws_db_instance", "password"),
        ("aws_rds_cluster", "master_password"),
        ("aws_iam_access_key", "secret"),
        ("aws_ssm_parameter", "value"),
        ("tls_private_key", "private_key_pem"),
        ("postgresql_role", "password"),
        ("data.aws_secretsmanager_secret_version", "secret_string"),
    }
)


def _ref_is_sensitive(ref: Ref) -> bool:
    parts = strip_index(ref.address).split(".")
    if len(parts) < 2:
        return False
    rtype = parts[-2]
    if len(parts) >= 3 and parts[-3] == "data":
        rtype = "data." + rtype
    return (rtype, ref.attribute.split(".")[0]) in SENSITIVE_ATTRIBUTES


def _holds_sensitive_ref(value: Any) -> bool:
    return _sensitive_ref(value) is not None


def _sensitive_ref(value: Any) -> Ref | None:
    if isinstance(value, Ref):
        return value if _ref_is_sensitive(value) else None
    if isinstance(value, Template):
        return next((p for p in value.parts if isinstance(p, Ref) and _ref_is_sensitive(p)), None)
    return None


def _ref_origin(value: Any) -> str:
    ref = _sensitive_ref(value)
    return f"{ref.describe()}, an attribute the provider marks sensitive" if ref is not None else ""


def _mark_sensitive_refs(container):
    """Env values built from a sensitive provider attribute (random_password.x.result)
    are sensitive, as the plan would mark them."""
    from dataclasses import replace

    env = container.environment
    if not isinstance(env, tuple) or not any(not e.sensitive and _holds_sensitive_ref(e.value) for e in env):
        return container
    return replace(
        container,
        environment=tuple(
            replace(e, sensitive=True, sensitive_from=e.sensitive_from or _ref_origin(e.value)) if _holds_sensitive_ref(e.value) else e
            for e in env
        ),
    )


_PLAIN = (str, int, float, bool, type(None))


def _model(value: Any) -> Any:
    """Deep-convert evaluator runtime objects into model values."""
    from .hcl_values import JsonEncoded, ModuleValue, Namespace, RemoteModuleValue, ResourceValue

    def convert(v: Any) -> Any:
        if type(v) in _PLAIN:
            return v
        if isinstance(v, list):
            return [x if type(x) in _PLAIN else convert(x) for x in v]
        if isinstance(v, dict):
            return {k: x if type(x) in _PLAIN else convert(x) for k, x in v.items()}
        if isinstance(v, ResourceValue):
            return Ref(v.inst.address, "")
        if isinstance(v, JsonEncoded):
            return Unknown(KNOWN_AFTER_APPLY, "jsonencode(...)", "encodes values known only after apply")
        if isinstance(v, (ModuleValue, Namespace, RemoteModuleValue)):
            return Unknown(NOT_EVALUATED, "reference")
        return v

    return convert(value)


def _tuple(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if value is None:
        return ()
    return value
