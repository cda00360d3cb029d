"""Evaluate Terraform configuration the way ``terraform plan`` would, minus providers.

Works on the raw Lark trees of :mod:`hcl_parse`.  Values are plain Python
values (str, int/float, bool, None, list, dict) when known at plan time; what
needs a provider (resource attributes that are not set in the configuration,
data sources, ``random_password.x.result``) stays SYMBOLIC as a
:class:`~ctj_policy.model.Ref` naming the resource attribute, strings built
around refs are :class:`~ctj_policy.model.Template`, and what cannot be decided
is :class:`~ctj_policy.model.Unknown`.  ``jsonencode`` of a value holding refs
is :class:`JsonEncoded` (the structure is kept, so container definitions
can still be read).

Evaluation is lazy: a module directory is parsed only when something in it is
needed, so checking the CTJ subtree of the whole incubator root does not parse
the other projects.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..model import NOT_EVALUATED, UNRESOLVED, Location, Unknown
from . import InputError
from .hcl_expr import Evaluator
from .hcl_functions import _tobool, _tonumber
from .hcl_parse import Attr, Block, ParseBudget, TfFile, display_path, parse_dir
from .hcl_values import (
    MAX_INSTANCES,
    MAX_INSTANCES_PER_BLOCK,
    MAX_MODULE_DEPTH,
    Budget,
    EvalError,
    JsonEncoded,
    LimitExceeded,
    ModuleValue,
    Namespace,
    RemoteModuleValue,
    ResourceValue,
    Undeclared,
    _plain,
    deep_known,
    is_symbolic,
    render_address,
    source_text,
    to_str,
    unknown_of,
)

__all__ = ["EvalError", "JsonEncoded", "Loader", "ModuleInst", "ModuleValue", "Namespace", "RemoteModuleValue",
           "ResourceInst", "ResourceValue", "BlockView", "deep_known", "eval_constant", "source_text"]

# --------------------------------------------------------------------------
# modules, resources, blocks
# --------------------------------------------------------------------------

META_ARGS = ("count", "for_each", "depends_on", "provider", "providers", "lifecycle", "source", "version")


class BlockView:
    """A configuration block seen with its evaluation bindings (dynamic blocks expanded)."""

    __slots__ = ("block", "ev", "_cache")

    def __init__(self, block: Block, ev: Evaluator):
        self.block = block
        self.ev = ev
        self._cache: dict = {}

    @property
    def line(self) -> int:
        return self.block.line

    def has(self, name: str) -> bool:
        return name in self.block.attrs

    def get(self, name: str, default: Any = None) -> Any:
        if name in self._cache:
            return self._cache[name]
        attr = self.block.attrs.get(name)
        if attr is None:
            return default
        guard = (id(self.block), name, id(self.ev.bindings.get("each")), self.ev.bindings.get("count.index"))
        loader = self.ev.module.loader
        if guard in loader.evaluating:
            return Unknown(UNRESOLVED, name, "self-referencing configuration")
        loader.evaluating.add(guard)
        try:
            # charged by size: a large value shared by many blocks is copied into each
            value = loader.budget.check(_plain(self.ev.value(attr.expr, name)), name)
        except LimitExceeded as exc:
            raise exc.at(attr.file, attr.line) from None
        finally:
            loader.evaluating.discard(guard)
        self._cache[name] = value
        return value

    def blocks(self, type_: str) -> list[BlockView]:
        out = []
        for b in self.block.blocks:
            if b.type == type_:
                out.append(BlockView(b, self.ev))
            elif b.type == "dynamic" and b.labels and b.labels[0] == type_:
                out.extend(self._dynamic(b, type_))
        return out

    def _dynamic(self, b: Block, type_: str) -> list[BlockView]:
        fe = b.attrs.get("for_each")
        content = next((c for c in b.blocks if c.type == "content"), None)
        if fe is None or content is None:
            return []
        iterator = type_
        if "iterator" in b.attrs:
            it = b.attrs["iterator"].expr
            iterator = source_text(it)
        coll = _plain(self.ev.value(fe.expr, f"dynamic {type_} for_each"))
        if is_symbolic(coll):
            # unknown number of blocks: one block whose every value is unknown
            unknown = unknown_of(coll, f"dynamic {type_}")
            return [BlockView(content, self.ev.with_bindings({iterator: {"key": unknown, "value": unknown}}))]
        if not isinstance(coll, (dict, list)):
            return []
        if len(coll) > MAX_INSTANCES_PER_BLOCK:
            raise LimitExceeded(
                f"{b.file}:{b.line}: dynamic {type_}: {len(coll):,} blocks, "
                f"over the limit of {MAX_INSTANCES_PER_BLOCK:,}"
            )
        items = [(k, coll[k]) for k in sorted(coll)] if isinstance(coll, dict) else list(enumerate(coll))
        out = []
        for k, v in items:
            out.append(BlockView(content, self.ev.with_bindings({iterator: {"key": k, "value": v}})))
        return out


class ResourceInst:
    __slots__ = ("module", "mode", "type", "name", "block", "key", "address", "_view")

    def __init__(self, module: ModuleInst, mode: str, type_: str, name: str, block: Block, key: Any):
        self.module = module
        self.mode = mode
        self.type = type_
        self.name = name
        self.block = block
        self.key = key
        base = f"{'data.' if mode == 'data' else ''}{type_}.{name}"
        if module.address:
            base = f"{module.address}.{base}"
        self.address = render_address(base, key)
        self._view: BlockView | None = None

    def view(self) -> BlockView:
        if self._view is None:
            bindings: dict = {}
            if isinstance(self.key, int) and "count" in self.block.attrs:
                bindings["count.index"] = self.key
            elif "for_each" in self.block.attrs:
                bindings["each"] = {"key": self.key, "value": self.module.each_value(self.block, self.key)}
            self._view = BlockView(self.block, Evaluator(self.module, bindings))
        return self._view

    @property
    def location(self) -> Location:
        return Location(self.block.file, self.block.line, self.module.call_location, module=self.module.address)


class ModuleInst:
    """One instance of a module (the root, or one key of a module call)."""

    def __init__(
        self,
        loader: Loader,
        directory: Path,
        address: str,
        parent: ModuleInst | None = None,
        call: Block | None = None,
        call_ev: Evaluator | None = None,
        call_location: Location | None = None,
    ):
        self.loader = loader
        self.directory = directory
        self.address = address
        self.parent = parent
        self.call = call
        self.call_ev = call_ev
        self.call_location = call_location
        self.display_dir = display_path(directory)
        self._files: list[TfFile] | None = None
        self._vars: dict[str, Any] = {}
        self._locals: dict[str, Any] = {}
        self._outputs: dict[str, Any] = {}
        self._children: dict[str, Any] = {}
        self._instances: dict[tuple, list[ResourceInst]] = {}
        self._each_cache: dict[int, Any] = {}

    # parsed content --------------------------------------------------------

    def _index(self) -> None:
        if self._files is not None:
            return
        self._files = self.loader.files_of(self.directory)
        self.variables: dict[str, Block] = {}
        self.local_attrs: dict[str, Attr] = {}
        self.resources: dict[tuple, Block] = {}
        self.modules: dict[str, Block] = {}
        self.outputs: dict[str, Block] = {}
        for f in self._files:
            for b in f.blocks:
                if b.type == "variable" and b.labels:
                    self.variables[b.labels[0]] = b
                elif b.type == "locals":
                    self.local_attrs.update(b.attrs)
                elif b.type == "resource" and len(b.labels) == 2:
                    self.resources[("managed", b.labels[0], b.labels[1])] = b
                elif b.type == "data" and len(b.labels) == 2:
                    self.resources[("data", b.labels[0], b.labels[1])] = b
                elif b.type == "module" and b.labels:
                    self.modules[b.labels[0]] = b
                elif b.type == "output" and b.labels:
                    self.outputs[b.labels[0]] = b

    @property
    def files(self) -> list[TfFile]:
        self._index()
        return self._files  # type: ignore[return-value]

    # values ------------------------------------------------------------------

    def var(self, name: str) -> Any:
        if name in self._vars:
            return self._vars[name]
        self._index()
        decl = self.variables.get(name)
        if decl is None:
            raise Undeclared(f"var.{name} is not declared in {self.display_dir}")
        where = f"{self.address + '.' if self.address else ''}var.{name}"
        self._vars[name] = Unknown(UNRESOLVED, where, "circular reference")
        value: Any = _MISSING
        if self.call is not None and self.call_ev is not None:
            attr = self.call.attrs.get(name)
            if attr is not None:
                value = _located(lambda: _plain(self.call_ev.value(attr.expr, where)), attr)
        elif self.parent is None:
            value = self.loader.root_value(name, decl)
        if value is _MISSING and "default" in decl.attrs:
            default = decl.attrs["default"]
            value = _located(lambda: _plain(Evaluator(self).value(default.expr, where)), default)
        if value is _MISSING:
            value = Unknown(
                UNRESOLVED,
                where,
                "the variable has no value and no default: pass --var/--var-file" if self.parent is None else "not set by the module call",
            )
        value = _convert_type(value, decl)
        sens = decl.attrs.get("sensitive")
        if sens is not None and Evaluator(self).value(sens.expr) is True:
            self.loader.mark_sensitive(value, f"{where}, marked sensitive")
        self._vars[name] = value
        return value

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        self._index()
        attr = self.local_attrs.get(name)
        if attr is None:
            raise Undeclared(f"local.{name} is not defined in {self.display_dir}")
        self._locals[name] = Unknown(UNRESOLVED, f"local.{name}", "circular reference")
        value = _located(lambda: _plain(Evaluator(self).value(attr.expr, f"local.{name}")), attr)
        self._locals[name] = value
        return value

    def output(self, name: str) -> Any:
        if name in self._outputs:
            return self._outputs[name]
        self._index()
        block = self.outputs.get(name)
        if block is None or "value" not in block.attrs:
            raise Undeclared(f"{self.address} has no output {name!r}")
        where = f"{self.address}.{name}"
        self._outputs[name] = Unknown(UNRESOLVED, where, "circular reference")
        attr = block.attrs["value"]
        value = _located(lambda: _plain(Evaluator(self).value(attr.expr, where)), attr)
        sens = block.attrs.get("sensitive")
        if sens is not None and Evaluator(self).value(sens.expr) is True:
            self.loader.mark_sensitive(value, f"output {where}, marked sensitive")
        self._outputs[name] = value
        return value

    def each_value(self, block: Block, key: Any) -> Any:
        coll = self.for_each_collection(block, Evaluator(self))
        if isinstance(coll, dict):
            return coll.get(key)
        return key

    def for_each_collection(self, block: Block, ev: Evaluator) -> Any:
        cached = self._each_cache.get(id(block))
        if cached is None:
            attr = block.attrs["for_each"]
            cached = _located(lambda: _plain(ev.value(attr.expr, "for_each")), attr)
            if isinstance(cached, list):
                try:
                    cached = {to_str(x): x for x in cached if not is_symbolic(x)} if all(
                        not is_symbolic(x) for x in cached
                    ) else unknown_of(next(x for x in cached if is_symbolic(x)))
                except EvalError as exc:
                    cached = Unknown(UNRESOLVED, "for_each", str(exc))
            elif not isinstance(cached, dict) and not is_symbolic(cached):
                cached = Unknown(UNRESOLVED, "for_each", "not a map or a set of strings")
            self._each_cache[id(block)] = cached
        return cached

    def instance_keys(self, block: Block, ev: Evaluator, what: str) -> list:
        """[None] for a single instance; the count indices or for_each keys."""
        if "count" in block.attrs:
            attr = block.attrs["count"]
            n = _located(lambda: _plain(ev.value(attr.expr, f"{what} count")), attr)
            if isinstance(n, bool) or not isinstance(n, (int, float)):
                self.loader.note(f"{what}: count could not be evaluated; assumed one instance")
                return [0]
            if n > MAX_INSTANCES_PER_BLOCK:
                raise LimitExceeded(
                    f"{attr.file}:{attr.line}: {what}: count = {int(n):,}, "
                    f"over the limit of {MAX_INSTANCES_PER_BLOCK:,} instances"
                )
            return list(range(int(n)))
        if "for_each" in block.attrs:
            coll = self.for_each_collection(block, ev)
            if not isinstance(coll, dict):
                self.loader.note(f"{what}: for_each could not be evaluated; assumed one instance")
                return ["?"]
            if len(coll) > MAX_INSTANCES_PER_BLOCK:
                attr = block.attrs["for_each"]
                raise LimitExceeded(
                    f"{attr.file}:{attr.line}: {what}: for_each of {len(coll):,} elements, "
                    f"over the limit of {MAX_INSTANCES_PER_BLOCK:,} instances"
                )
            return sorted(coll)
        return [None]

    def _count_instances(self, n: int, block: Block, what: str) -> None:
        budget = self.loader.budget
        budget.instances += n
        if budget.instances > MAX_INSTANCES:
            raise LimitExceeded(
                f"{block.file}:{block.line}: {what}: "
                f"more than {MAX_INSTANCES:,} resource and module instances in all (the limit)"
            )

    # resources ---------------------------------------------------------------

    def resource_instances(self, mode: str, type_: str, name: str) -> list[ResourceInst]:
        key = (mode, type_, name)
        if key in self._instances:
            return self._instances[key]
        self._index()
        block = self.resources.get(key)
        if block is None:
            raise Undeclared(f"{'data.' if mode == 'data' else ''}{type_}.{name} is not declared in {self.display_dir}")
        self._instances[key] = []
        keys = self.instance_keys(block, Evaluator(self), f"{type_}.{name}")
        self._count_instances(len(keys), block, f"{type_}.{name}")
        insts = [ResourceInst(self, mode, type_, name, block, k) for k in keys]
        self._instances[key] = insts
        return insts

    def resource_value(self, mode: str, type_: str, name: str) -> Any:
        block = self._block_for(mode, type_, name)
        insts = self.resource_instances(mode, type_, name)
        if "count" in block.attrs:
            return [ResourceValue(i) for i in insts]
        if "for_each" in block.attrs:
            return {i.key: ResourceValue(i) for i in insts}
        return ResourceValue(insts[0])

    def _block_for(self, mode: str, type_: str, name: str) -> Block:
        self._index()
        block = self.resources.get((mode, type_, name))
        if block is None:
            raise Undeclared(f"{'data.' if mode == 'data' else ''}{type_}.{name} is not declared in {self.display_dir}")
        return block

    def all_resource_instances(self) -> list[ResourceInst]:
        self._index()
        out = []
        for (mode, type_, name) in self.resources:
            out.extend(self.resource_instances(mode, type_, name))
        return out

    # module calls ------------------------------------------------------------

    def module_source(self, name: str) -> Any:
        self._index()
        block = self.modules.get(name)
        if block is None:
            raise Undeclared(f"module.{name} is not declared in {self.display_dir}")
        src = block.attrs.get("source")
        return _plain(Evaluator(self).value(src.expr, f"module.{name}.source")) if src else None

    def children(self, name: str) -> list:
        """The instances of ``module.<name>``: ModuleInst, or RemoteModuleValue when not local."""
        if name in self._children:
            return self._children[name]
        self._index()
        block = self.modules.get(name)
        if block is None:
            raise Undeclared(f"module.{name} is not declared in {self.display_dir}")
        self._children[name] = []
        source = self.module_source(name)
        base = f"{self.address + '.' if self.address else ''}module.{name}"
        keys = self.instance_keys(block, Evaluator(self), f"module.{name}")
        self._count_instances(len(keys), block, f"module.{name}")
        out: list = []
        loc = Location(block.file, block.line, self.call_location, module=self.address)
        local_dir, reason = self.loader.local_module_dir(self, source)
        if local_dir is not None:
            self._check_call(local_dir, block, name)
        for k in keys:
            addr = render_address(base, k)
            if local_dir is None:
                out.append(RemoteModuleValue(addr, safe_source(source)[0], reason))
                continue
            bindings: dict = {}
            if isinstance(k, int) and "count" in block.attrs:
                bindings["count.index"] = k
            elif "for_each" in block.attrs:
                coll = self.for_each_collection(block, Evaluator(self))
                bindings["each"] = {"key": k, "value": coll.get(k) if isinstance(coll, dict) else k}
            out.append(ModuleInst(self.loader, local_dir, addr, self, block, Evaluator(self, bindings), loc))
        self._children[name] = out
        return out

    def _check_call(self, directory: Path, block: Block, name: str) -> None:
        """Terraform rejects a module that calls itself, directly or through others."""
        depth = 0
        mod: ModuleInst | None = self
        while mod is not None:
            if mod.directory == directory:
                where = f"{mod.address} ({mod.display_dir})" if mod.address else f"the root module ({mod.display_dir})"
                raise InputError(
                    f"{block.file}:{block.line}: module.{name} calls {where} again: "
                    "a module cycle, which Terraform rejects"
                )
            depth += 1
            mod = mod.parent
        if depth >= MAX_MODULE_DEPTH:
            raise LimitExceeded(
                f"{block.file}:{block.line}: module.{name}: "
                f"module calls nested deeper than {MAX_MODULE_DEPTH} levels (the limit)"
            )

    def child_value(self, name: str) -> Any:
        insts = self.children(name)
        block = self.modules[name]
        vals = [ModuleValue(i) if isinstance(i, ModuleInst) else i for i in insts]
        if "count" in block.attrs:
            return vals
        if "for_each" in block.attrs:
            keys = self.instance_keys(block, Evaluator(self), f"module.{name}")
            return dict(zip(keys, vals, strict=False))
        return vals[0] if vals else Unknown(NOT_EVALUATED, f"module.{name}")


class _Missing:
    pass


_MISSING = _Missing()


def _convert_type(value: Any, decl: Block) -> Any:
    t = decl.attrs.get("type")
    if t is None or is_symbolic(value) or value is None:
        return value
    tname = source_text(t.expr)
    try:
        if tname == "string" and not isinstance(value, (list, dict)):
            return to_str(value)
        if tname == "number" and isinstance(value, str):
            return _tonumber(value)
        if tname == "bool" and isinstance(value, str):
            return _tobool(value)
    except EvalError:
        return Unknown(UNRESOLVED, f"var.{decl.labels[0]}", f"value does not convert to {tname}")
    return value


# --------------------------------------------------------------------------
# the loader state
# --------------------------------------------------------------------------

_REMOTE_PREFIXES = ("git::", "github.com/", "bitbucket.org/", "s3::", "gcs::", "http://", "https://", "hg::", "git@")


class Loader:
    """Shared state of one evaluation: root values, notes, sensitive values."""

    def __init__(self, root_dir: Path, root_values: dict[str, Any] | None = None):
        self.root_dir = root_dir
        self.root_display = display_path(root_dir)
        self.root_values = root_values or {}
        self.notes: list[str] = []
        self.sensitive: set[str] = set()
        self.sensitive_from: dict[str, str] = {}  # a sensitive string -> where its sensitivity comes from
        self.catching = 0  # > 0 inside try()/can(): an undeclared reference raises for them to catch
        self.evaluating: set = set()
        self.budget = Budget()
        self.parse_budget = ParseBudget()
        self._dir_files: dict[Path, list[TfFile]] = {}

    def files_of(self, directory: Path) -> list[TfFile]:
        """The parsed files of a module directory (read once however many instances it has)."""
        files = self._dir_files.get(directory)
        if files is None:
            files = self._dir_files[directory] = parse_dir(directory, self.parse_budget)
        return files

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def mark_sensitive(self, value: Any, origin: str = "") -> None:
        """``origin``: where the sensitivity comes from, fit to print (never the value)."""
        if isinstance(value, str):
            if value:
                self.sensitive.add(value)
                if origin:
                    self.sensitive_from.setdefault(value, origin)
        elif isinstance(value, list):
            for v in value:
                self.mark_sensitive(v, origin)
        elif isinstance(value, dict):
            for v in value.values():
                self.mark_sensitive(v, origin)

    def root_value(self, name: str, decl: Block) -> Any:
        if name not in self.root_values:
            return _MISSING
        raw = self.root_values[name]
        return raw

    def local_module_dir(self, module: ModuleInst, source: Any) -> tuple[Path | None, str]:
        """The directory of a local module source, or None and why it cannot be read."""
        if not isinstance(source, str):
            return None, "its source could not be evaluated"
        shown, secrets = safe_source(source)
        self.sensitive.update(secrets)
        if not (source.startswith("./") or source.startswith("../") or source in (".", "..")):
            if source.startswith(_REMOTE_PREFIXES) or "::" in source:
                return None, f"module source {shown!r} is not local (only local paths are read)"
            if source.count("/") >= 2:
                return None, f"module source {shown!r} is a registry module, not local (only local paths are read)"
            return None, f"module source {shown!r} is not a local path (local paths start with ./ or ../)"
        path = (module.directory / source).resolve()
        if not path.is_dir():
            return None, f"module source {shown!r} ({display_path(path)}) does not exist"
        return path, ""


_USERINFO_RE = re.compile(r"(?<=://)([^/@\s]+)@")
_SECRET_PARAM_RE = re.compile(r"(?i)([?&](?:sshkey|token|access_token|password|secret|sig|signature)=)([^&]*)")


def safe_source(source: Any) -> tuple[str, list[str]]:
    """A module source fit to print (a URL's user:password and key/token parameters masked),
    and the masked parts (to redact wherever else they appear)."""
    text = str(source)
    secrets = [m.group(1) for m in _USERINFO_RE.finditer(text)]
    secrets += [p for m in _SECRET_PARAM_RE.finditer(text) for p in [m.group(2)] if p]
    text = _USERINFO_RE.sub("***@", text)
    text = _SECRET_PARAM_RE.sub(r"\1***", text)
    return text, [s for s in secrets if len(s) >= 4]


def _located(compute, attr: Attr) -> Any:
    """``compute()``, a limit error located at ``attr`` (the innermost location wins)."""
    try:
        return compute()
    except LimitExceeded as exc:
        raise exc.at(attr.file, attr.line) from None


def eval_constant(expr, where: str) -> Any:
    """Evaluate an expression with no references (tfvars, defaults given as text)."""
    dummy = ModuleInst(Loader(Path(".")), Path("."), "")
    dummy._files = []
    dummy.variables = {}
    dummy.local_attrs = {}
    dummy.resources = {}
    dummy.modules = {}
    dummy.outputs = {}
    return _plain(Evaluator(dummy).value(expr, where))
