"""Plan JSON (``terraform show -json tfplan``) -> the normalized model.

One pass over ``resource_changes`` (the after-apply view; deleted resources do
not count), resources indexed by address, only the CTJ scope turned into model
objects, ``container_definitions`` parsed only for task definitions in scope.
Values unknown at plan time are resolved through the ``configuration``
section's ``references`` (across module boundaries, both directions) before
they are given up as :class:`~ctj_policy.model.Unknown`.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
from json.decoder import scanstring
from typing import Any

from ..addresses import unkeyed
from ..config import Config
from ..errors import InputError, LimitError
from ..limits import max_input_bytes, read_regular_file, read_stdin
from ..model import KNOWN_AFTER_APPLY, DatabaseResource, Deployment, InputInfo, ModuleCall, Unknown
from . import Loaded
from .build import DEFAULTED, FOR_MESSAGES, PLAIN, add_resource, known_or_ref, secret_env_values, strings
from .clusters import NAME_ATTRIBUTE, name_clusters
from .clusters import split as split_resource
from .containers import parse_container_definitions
from .references import MISSING, ConfigIndex, module_path_of, split_address
from .scope import config_module_declares_database, resolve_scope

MAX_REASON = 160


# --------------------------------------------------------------------------
# reading and validating
# --------------------------------------------------------------------------


def read_input(path: str) -> tuple[bytes, str]:
    """Bytes of the input and the name to show for it.

    Only a regular file or stdin (``-``), at most :func:`~ctj_policy.limits.max_input_bytes`
    of it: a FIFO or ``/dev/zero`` as the path is refused before anything is read.
    """
    limit = max_input_bytes()
    if path == "-":
        return read_stdin(limit), "<stdin>"
    try:
        return read_regular_file(path, limit=limit, hint=_NOT_A_FILE_HINT), path
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None


_NOT_A_FILE_HINT = "; to read a plan from a pipe, give - as the path and pipe it to stdin"
# names of Terraform sources and other HCL files: given as the plan, they get advice, not a JSON error
_SOURCE_SUFFIXES = (
    (".tf", "a Terraform source file"),
    (".tf.json", "a Terraform source file"),
    (".tfvars", "a Terraform variables file"),
    (".tfvars.json", "a Terraform variables file"),
    (".hcl", "an HCL file"),
)


def source_file_hint(name: str) -> str | None:
    """The advice for a Terraform source/variables/HCL file given where a plan belongs, else None."""
    lowered = name.lower()
    what = next((kind for suffix, kind in _SOURCE_SUFFIXES if lowered.endswith(suffix)), None)
    if what is None:
        return None
    directory = os.path.dirname(name) or "."
    if what == "a Terraform variables file":
        return (
            f"{name}: {what}, not a plan: give the directory of .tf files as PATH and this file with "
            f"--var-file {name}, or a plan JSON (terraform show -json tfplan > plan.json)"
        )
    return (
        f"{name}: {what}, not a plan: to check the sources give their directory as PATH ({directory}), "
        "or a plan JSON (terraform show -json tfplan > plan.json)"
    )


def _with_source_hint(exc: InputError, name: str) -> InputError:
    hint = source_file_hint(name)
    return InputError(hint) if hint else exc


def decode(raw: bytes, name: str) -> str:
    if not raw.strip():
        raise InputError(f"{name}: empty input; expected the output of `terraform show -json tfplan`")
    if raw[:4] == b"PK\x03\x04":
        raise InputError(
            f"{name}: this is a binary plan file; convert it first: terraform show -json {name} > plan.json"
        )
    if raw.startswith(codecs.BOM_UTF8):
        encoding, raw = "utf-8", raw[len(codecs.BOM_UTF8):]
    elif raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: not {encoding.upper()} text (undecodable byte at offset {exc.start}); "
            "expected the output of `terraform show -json tfplan`"
        ) from None


def parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
        raise InputError(f"{name}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{hint}") from None
    except RecursionError:
        raise LimitError(f"{name}: JSON nested too deeply") from None
    except ValueError:
        # json's only other ValueError: an integer longer than Python converts (sys.get_int_max_str_digits)
        raise _long_number(text, name) from None


def _long_number(text: str, name: str) -> InputError:
    """The error for a number too long to convert: where it is, never its digits."""
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    m = re.search(rf"-?\d{{{limit + 1},}}", text) if limit else None
    if m is None:
        return InputError(f"{name}: JSON holds a value Python cannot read")
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    return LimitError(
        f"{name}: the number at line {line} column {column} has {len(m.group().lstrip('-'))} digits, "
        f"more than the {limit} ctj-policy reads"
    )


_SCHEMA_CACHE: dict[str, Any] = {}


def _schema() -> dict:
    if "plan" not in _SCHEMA_CACHE:
        from importlib.resources import files

        _SCHEMA_CACHE["plan"] = json.loads(files("ctj_policy.schemas").joinpath("plan.schema.json").read_text("utf-8"))
    return _SCHEMA_CACHE["plan"]


def _validator(ref: str | None = None):
    key = f"validator:{ref}"
    if key not in _SCHEMA_CACHE:
        import jsonschema

        schema = _schema()
        if ref:
            schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{ref}"}
        _SCHEMA_CACHE[key] = jsonschema.Draft202012Validator(schema)
    return _SCHEMA_CACHE[key]


def _schema_reason(error) -> str:
    # never echo the offending value (it may be a secret): path + what was expected
    where = error.json_path
    if error.validator == "required":
        missing = [m for m in error.validator_value if isinstance(error.instance, dict) and m not in error.instance]
        return f"{where}: missing {', '.join(repr(m) for m in missing) or 'a required property'}"
    if error.validator == "type":
        return f"{where}: expected {error.validator_value}"
    if error.validator == "pattern":
        return f"{where}: does not look like a plan format_version"
    if error.validator == "anyOf":
        return f"{where}: has neither planned_values nor resource_changes"
    return f"{where}: fails the {error.validator} check"


def classify_document(doc: Any, name: str) -> None:
    """Reject what is not a plan with a one-line reason (InputError)."""
    if isinstance(doc, list):
        raise InputError(f"{name}: a JSON array, not a Terraform plan (expected an object from `terraform show -json tfplan`)")
    if not isinstance(doc, dict):
        raise InputError(f"{name}: a JSON {type(doc).__name__}, not a Terraform plan")
    if "values" in doc and "planned_values" not in doc and "resource_changes" not in doc:
        raise InputError(
            f"{name}: this is Terraform state JSON (`terraform show -json` without a plan file), not a plan; "
            "run `terraform plan -out tfplan && terraform show -json tfplan`"
        )
    if "format_version" not in doc and "provider_schemas" in doc:
        raise InputError(f"{name}: this is `terraform providers schema -json` output, not a plan")
    error = next(iter(sorted(_validator().iter_errors(doc), key=lambda e: e.path)), None)
    if error is not None:
        raise InputError(f"{name}: not a Terraform plan: {_schema_reason(error)}")


# --------------------------------------------------------------------------
# a resource's attributes, for the shared builder (build.ResourceView)
# --------------------------------------------------------------------------

class _Attrs:
    """One resource's (or nested block's) after-apply attributes: the plan's
    :class:`~.build.ResourceView`.

    A value the plan marks unknown (``after_unknown``) is resolved through the
    configuration's references, across module boundaries, before it is given
    up as Unknown (not for a ``FOR_MESSAGES`` value); a ``DEFAULTED`` one the
    configuration does not set is unset.  A nested block keeps its path from
    the resource, for the resolver and for naming what is unknown.
    """

    __slots__ = ("address", "after", "marks", "resolver", "redact", "path", "root")
    location = None

    def __init__(self, address: str, after: Any, unknown: Any, resolver, redact: set[str], path: tuple = (), root: Any = None):
        self.address = address
        self.after = after if isinstance(after, dict) else {}
        self.marks = unknown if isinstance(unknown, (dict, bool)) else {}  # after_unknown of this block
        self.resolver = resolver
        self.redact = redact  # the sensitive strings collected so far (Deployment.redact)
        self.path = path
        self.root = self.after if root is None else root

    def _marked(self, name: str) -> bool:
        marks = self.marks
        return marks is True or (isinstance(marks, dict) and marks.get(name) is True)

    def get(self, name: str, hint: str = PLAIN) -> Any:
        """The value: known, None (unset), a resolved Ref/value, or Unknown."""
        if not self._marked(name):
            return self.after.get(name)
        path = self.path + (name,)
        if hint != FOR_MESSAGES and self.resolver is not None:
            value = self.resolver(self.address, path, self.root)
            if value is not MISSING:
                return value
            if hint == DEFAULTED and self.resolver.unconfigured(self.address, path):
                return None
        return Unknown(KNOWN_AFTER_APPLY, f"{self.address}.{_dotted(path)}")

    def values(self, name: str, hint: str = PLAIN) -> Any:
        value = self.get(name, hint)
        if hint == FOR_MESSAGES:
            # an unknown name is mostly a computed attribute the configuration does not set
            return strings(value)
        if isinstance(value, list):
            return tuple(value)
        return () if value is None else value

    def blocks(self, name: str) -> list[_Attrs]:
        """The nested blocks the plan knows of (an unknown list has none)."""
        items = self.after.get(name)
        if not isinstance(items, list):
            return []
        marks = self.marks
        if isinstance(marks, dict):
            marks = marks.get(name)
        out = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                item_marks = marks if marks is True else (marks[i] if isinstance(marks, list) and i < len(marks) else None)
                out.append(_Attrs(self.address, item, item_marks, self.resolver, self.redact, self.path + (name, i), self.root))
        return out

    def unknown(self, name: str = "", hint: str = PLAIN) -> Unknown | None:
        if not (self._marked(name) if name else self.marks is True):
            return None
        path = self.path + (name,) if name else self.path
        return Unknown(KNOWN_AFTER_APPLY, f"{self.address}.{_dotted(path)}" if path else self.address)

    def self_ref(self, name: str) -> Any:
        return known_or_ref(self.get(name, FOR_MESSAGES), self.address, name)

    def containers(self, where: str) -> Any:
        raw = self.get("container_definitions", FOR_MESSAGES)
        if isinstance(raw, Unknown):
            raw = Unknown(
                KNOWN_AFTER_APPLY,
                where,
                "it interpolates values known only after apply; re-run with --source-dir <terraform root> to evaluate it from the sources",
            )
        return parse_container_definitions(raw, where, self.redact, default_origin=PLAN_SENSITIVE)


PLAN_SENSITIVE = "marked sensitive in the plan: after_sensitive, sensitive_values or a sensitive variable"


def _dotted(path: tuple) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def _collect_strings(value: Any, sens: Any, out: set[str], secret_key) -> None:
    """Add every string in ``value`` that ``sens`` marks sensitive to ``out``."""
    if sens is True:
        _sensitive_strings(value, out, secret_key)
    elif isinstance(sens, dict) and isinstance(value, dict):
        for key, s in sens.items():
            if key in value:
                _collect_strings(value[key], s, out, secret_key)
    elif isinstance(sens, list) and isinstance(value, list):
        for s, v in zip(sens, value, strict=False):
            _collect_strings(v, s, out, secret_key)


def _sensitive_strings(value: Any, out: set[str], secret_key) -> None:
    """The strings of a value the plan marks sensitive.

    A sensitive JSON document (``secret_string``, a ``container_definitions``
    that interpolates a sensitive value) is redacted whole, and of its parts
    only those under secret-looking keys: its user names and image names are
    not secrets, and redacting them would blank out every finding.
    """
    if isinstance(value, str):
        out.add(value)
        if value[:1] in "{[":
            try:
                inner = json.loads(value)
            except ValueError:
                return
            _secret_keyed(inner, out, secret_key)
    elif isinstance(value, dict):
        for v in value.values():
            _sensitive_strings(v, out, secret_key)
    elif isinstance(value, list):
        for v in value:
            _sensitive_strings(v, out, secret_key)


def _secret_keyed(node: Any, out: set[str], secret_key) -> None:
    if isinstance(node, dict):
        # {"name": "DB_PASSWORD", "value": "..."} pairs (container environment)
        label = node.get("name") if isinstance(node.get("name"), str) else None
        for key, v in node.items():
            if isinstance(v, str) and (secret_key(key) or (key == "value" and label and secret_key(label))):
                out.add(v)
            else:
                _secret_keyed(v, out, secret_key)
    elif isinstance(node, list):
        for v in node:
            _secret_keyed(v, out, secret_key)


# --------------------------------------------------------------------------
# the loader
# --------------------------------------------------------------------------

def load_plan(path: str, config: Config, scope: str | None = None, *, validate: bool = True) -> Loaded:
    """The model of a plan file.  ``validate=False`` skips the JSON-schema checks
    (jsonschema is not needed): the Checkov adapter uses it inside Checkov's
    environment on a file Checkov has already parsed as a plan."""
    raw, name = read_input(path)
    try:
        text = decode(raw, name)
    except InputError as exc:
        raise _with_source_hint(exc, name) from None
    del raw  # keep one copy of the input in memory, not two
    try:
        try:
            streamed = _stream(text, config)
        except (_NotStreamable, ValueError, IndexError, RecursionError):
            streamed = None
        if streamed is None:
            # not a well-formed plan object: the whole-document parse says why
            try:
                doc = parse_json(text, name)
                del text
                if validate or not isinstance(doc, dict):
                    classify_document(doc, name)
            except InputError as exc:
                raise _with_source_hint(exc, name) from None
            return build(doc, config, scope=scope, name=name, validate=validate)
        doc, spans, top_spans, redact = streamed
        if validate:
            try:
                classify_document(doc, name)
            except InputError as exc:
                raise _with_source_hint(exc, name) from None
        index = ConfigIndex(doc.get("configuration") or {}, doc.get("variables") or {})
        prefix = resolve_scope(scope if scope is not None else config.scope, index, config)
        decoder = json.JSONDecoder()
        doc["resource_changes"] = [
            decoder.raw_decode(text, start)[0] for address, start in spans if _under(address, prefix) or _is_cluster(address)
        ]
        if not spans and "planned_values" in top_spans:
            doc["planned_values"] = decoder.raw_decode(text, top_spans["planned_values"])[0]
        del text
        return build(doc, config, scope=prefix or "root", name=name, redact=redact, validate=validate)
    except RecursionError:
        # a document nested deeper than the checks below can walk (Python's recursion limit)
        raise LimitError(f"{name}: the plan is nested too deeply to check") from None


class _NotStreamable(Exception):
    pass


def _document_sensitive(doc: dict, config: Config, out: set[str], index: ConfigIndex | None = None) -> None:
    """Add the strings the plan marks sensitive outside ``resource_changes`` to ``out``:
    root variables the configuration marks sensitive and, in a plan without
    ``resource_changes`` (its resources come from planned_values), every
    planned_values resource's ``sensitive_values``.  ``resource_changes`` are
    collected while streaming, or by :func:`build`."""
    secret_key = config.is_secret_name
    if index is None:
        index = ConfigIndex(doc.get("configuration") or {}, doc.get("variables") or {})
    for var_name, var_conf in index.root_variables().items():
        if isinstance(var_conf, dict) and var_conf.get("sensitive"):
            value = (doc.get("variables") or {}).get(var_name, {})
            if isinstance(value, dict):
                _sensitive_strings(value.get("value"), out, secret_key)
    root = (doc.get("planned_values") or {}).get("root_module")
    stack = [root] if isinstance(root, dict) and not doc.get("resource_changes") else []
    while stack:
        module = stack.pop()
        for res in module.get("resources") or []:
            if isinstance(res, dict) and res.get("sensitive_values"):
                _collect_strings(res.get("values"), res["sensitive_values"], out, secret_key)
        stack.extend(m for m in module.get("child_modules") or [] if isinstance(m, dict))


def plan_facts(path: str, config: Config) -> tuple[dict, set[str]]:
    """A plan file's skeleton document (``configuration``, ``variables``, ...; resource
    values dropped) and the strings ``load_plan`` treats as sensitive (``Deployment.redact``
    before the model is built: what ``parse_container_definitions`` is given).

    Standard library only and no schema validation: the Checkov adapter
    (``checkov_conf``) runs it inside Checkov's environment, so its per-resource
    checks see the same scope and the same sensitive values as ``load_plan``.
    Raises :class:`InputError` (or ValueError) when the file is not a plan object.
    """
    raw, name = read_input(path)
    text = decode(raw, name)
    del raw
    try:
        doc, spans, top_spans, redact = _stream(text, config)
        if not spans and "planned_values" in top_spans:
            doc["planned_values"] = json.JSONDecoder().raw_decode(text, top_spans["planned_values"])[0]
    except (_NotStreamable, ValueError, IndexError, RecursionError):
        raise InputError(f"{name}: not a well-formed Terraform plan object") from None
    _document_sensitive(doc, config, redact)
    return doc, redact


_WS = re.compile(r"[ \t\n\r]*")
# top-level values the model does not need (or needs only without resource_changes):
# parsed to find their end, then dropped at once
_DROPPED = frozenset({"planned_values", "prior_state", "resource_drift", "output_changes", "checks"})


def _separator(text: str, i: int, close: str) -> tuple[int, bool]:
    """After a value at ``i``: skip ``,`` (False) or the closing ``close`` (True), and white space."""
    i = _WS.match(text, i).end()
    c = text[i]
    if c != close and c != ",":
        raise _NotStreamable
    return _WS.match(text, i + 1).end(), c == close


def _under(address: Any, prefix: str) -> bool:
    if not isinstance(address, str):
        return False
    if not prefix:
        return True
    return address.startswith(prefix) and address[len(prefix):len(prefix) + 1] in (".", "[")


def _stream(text: str, config: Config):
    """One pass over a plan document without materializing all of it.

    ``resource_changes`` entries are decoded one at a time: their sensitive
    values are collected (they are redacted wherever they appear) and only
    their address and offset are kept, so the in-scope ones can be decoded
    again once the configuration has told what the scope is.  Large values the
    model does not need are decoded and dropped.  Returns (skeleton document,
    [(address, offset)], {key: offset}, sensitive strings); raises
    _NotStreamable (or ValueError) when the text is not a well-formed object.
    """
    decoder = json.JSONDecoder()
    ws = _WS.match
    redact: set[str] = set()
    secret_key = config.is_secret_name
    doc: dict[str, Any] = {}
    spans: list[tuple[Any, int]] = []
    top_spans: dict[str, int] = {}
    i = ws(text, 0).end()
    if text[i] != "{":
        raise _NotStreamable
    i = ws(text, i + 1).end()
    if text[i] == "}":
        i += 1
    else:
        while True:
            if text[i] != '"':
                raise _NotStreamable
            key, i = scanstring(text, i + 1)
            i = ws(text, i).end()
            if text[i] != ":":
                raise _NotStreamable
            i = ws(text, i + 1).end()
            if key == "resource_changes" and text[i] == "[":
                spans.clear()
                i = ws(text, i + 1).end()
                if text[i] == "]":
                    i += 1
                else:
                    while True:
                        start = i
                        item, i = decoder.raw_decode(text, i)
                        if not isinstance(item, dict):
                            raise _NotStreamable
                        spans.append((item.get("address"), start))
                        change = item.get("change")
                        if isinstance(change, dict):
                            sens = change.get("after_sensitive")
                            after = change.get("after")
                            if sens and after is not None:
                                _collect_strings(after, sens, redact, secret_key)
                        del item, change
                        i, closed = _separator(text, i, "]")
                        if closed:
                            break
                doc[key] = []
            elif key in _DROPPED:
                top_spans[key] = i
                value, i = decoder.raw_decode(text, i)
                doc[key] = {} if isinstance(value, dict) else ([] if isinstance(value, list) else value)
                del value
            else:
                doc[key], i = decoder.raw_decode(text, i)
            i, closed = _separator(text, i, "}")
            if closed:
                break
    if ws(text, i).end() != len(text):
        raise _NotStreamable  # trailing data
    return doc, spans, top_spans, redact


def build(
    doc: dict,
    config: Config,
    *,
    scope: str | None = None,
    name: str = "<plan>",
    redact: set[str] | None = None,
    validate: bool = True,
) -> Loaded:
    """The model of a decoded plan document (``redact``: sensitive strings already collected)."""
    configuration = doc.get("configuration") or {}
    index = ConfigIndex(configuration, doc.get("variables") or {})
    scope_prefix = resolve_scope(scope if scope is not None else config.scope, index, config)
    dep = Deployment(scope=scope_prefix)
    if redact:
        dep.redact.update(redact)
    redact = dep.redact
    # root variables marked sensitive, planned_values' sensitive_values: all of them
    # before any resource is built (an env value is sensitive wherever the plan marks it)
    _document_sensitive(doc, config, redact, index)

    def in_scope(address: str) -> bool:
        return _under(address, scope_prefix)

    seen: set[str] = set()
    cluster_names: dict[str, dict] = {}  # planned aws_ecs_cluster values by address
    change_validator = None
    resource_changes = doc.get("resource_changes") or []
    for rc in resource_changes:
        if not isinstance(rc, dict):
            raise InputError(f"{name}: not a Terraform plan: $.resource_changes: every entry must be an object")
        address = rc.get("address")
        scoped = isinstance(address, str) and in_scope(address)
        if scoped and validate:
            if change_validator is None:
                change_validator = _validator("resource_change")
            error = next(iter(change_validator.iter_errors(rc)), None)
            if error is not None:
                raise InputError(f"{name}: not a Terraform plan: {address}: {_schema_reason(error)}")
        change = rc.get("change")
        if not isinstance(change, dict):
            continue
        after = change.get("after")
        # every sensitive value anywhere in the plan is redacted from output
        sens = change.get("after_sensitive")
        if sens and after is not None:
            _collect_strings(after, sens, redact, config.is_secret_name)
        if _is_cluster(address) and isinstance(after, dict):  # in scope or not: a service in scope may run on it
            cluster_names[address] = after
        if not scoped:
            continue
        actions = change.get("actions") or []
        if after is None or actions == ["delete"]:
            continue  # deleted resources do not count
        seen.add(address)
        attrs = _Attrs(address, after, change.get("after_unknown"), index.resolver, redact)
        add_resource(dep, rc.get("mode", "managed"), rc.get("type", ""), address, attrs)

    # resources only in planned_values (plans without resource_changes entries for them)
    for module in _scoped_planned_modules(doc, in_scope, scope_prefix):
        for res in module.get("resources") or []:
            address = res.get("address") if isinstance(res, dict) else None
            if not isinstance(address, str) or address in seen or not in_scope(address):
                continue
            seen.add(address)
            attrs = _Attrs(address, res.get("values"), {}, index.resolver, redact)
            add_resource(dep, res.get("mode", "managed"), res.get("type", ""), address, attrs)

    # data sources and module calls come from the configuration
    for module_address, module_conf in index.modules():
        for res in module_conf.get("resources") or []:
            if not isinstance(res, dict) or res.get("mode") != "data":
                continue
            address = f"{module_address}.{res.get('address')}" if module_address else str(res.get("address"))
            if address in seen or not in_scope(address):
                continue
            seen.add(address)
            add_resource(dep, "data", res.get("type", ""), address, _Attrs(address, {}, {}, index.resolver, redact))
        for call_name, call in (module_conf.get("module_calls") or {}).items():
            address = f"{module_address}.module.{call_name}" if module_address else f"module.{call_name}"
            if not in_scope(address) or not isinstance(call, dict):
                continue
            source = call.get("source")
            dep.module_calls.append(ModuleCall(address, name=call_name, source=source, type="module"))
            declares = config_module_declares_database(call.get("module"))
            if declares is None:  # no module body in the plan: what was planned under the call decides
                declares = any(d.kind != "module" and unkeyed(d.address).startswith(address + ".") for d in dep.databases)
            if declares:
                dep.databases.append(DatabaseResource(address, kind="module", type="module", identifier=source))

    name_clusters(dep, lambda address, attribute: cluster_names.get(address, {}).get(attribute))
    # secret-looking env values are never printed either
    redact.update(secret_env_values(dep.task_definitions, config.is_secret_name))

    info = InputInfo(
        kind="plan",
        path=name,
        format_version=str(doc.get("format_version")) if doc.get("format_version") is not None else None,
        terraform_version=doc.get("terraform_version"),
        scope=scope_prefix,
    )
    return Loaded(dep, info)


def _is_cluster(address: Any) -> bool:
    parts = split_resource(address) if isinstance(address, str) else None
    return parts is not None and parts[1:3] in NAME_ATTRIBUTE


def _scoped_planned_modules(doc: dict, in_scope, scope_prefix: str):
    root = (doc.get("planned_values") or {}).get("root_module")
    if not isinstance(root, dict):
        return
    stack = [root]
    while stack:
        module = stack.pop()
        address = module.get("address", "")
        if not scope_prefix or in_scope(address) or address == scope_prefix:
            yield module
        for child in module.get("child_modules") or []:
            if not isinstance(child, dict):
                continue
            child_address = child.get("address", "")
            # descend only towards / inside the scope
            if not scope_prefix or in_scope(child_address) or scope_prefix.startswith(child_address):
                stack.append(child)


__all__ = ["load_plan", "build", "read_input", "decode", "parse_json", "classify_document", "module_path_of", "split_address"]
