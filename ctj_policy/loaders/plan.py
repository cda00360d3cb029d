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
import re
import sys
from json.decoder import scanstring
from pathlib import Path
from typing import Any

from ..config import Config
from ..model import (
    KNOWN_AFTER_APPLY,
    AutoscalingTarget,
    DatabaseResource,
    Deployment,
    DockerVolumeConfig,
    EcrRepository,
    EfsVolumeConfig,
    IngressRule,
    InputInfo,
    ListenerRule,
    LoadBalancerAttachment,
    ModuleCall,
    Ref,
    RuleAction,
    RuleCondition,
    Secret,
    Service,
    TargetGroup,
    TaskDefinition,
    Unknown,
    Volume,
)
from . import InputError, Loaded
from .containers import parse_container_definitions
from .references import MISSING, ConfigIndex, module_path_of, split_address
from .scope import database_module, resource_kind, resolve_scope

MAX_REASON = 160


# --------------------------------------------------------------------------
# reading and validating
# --------------------------------------------------------------------------


def read_input(path: str) -> tuple[bytes, str]:
    """Bytes of the input and the name to show for it."""
    if path == "-":
        return sys.stdin.buffer.read(), "<stdin>"
    p = Path(path)
    try:
        return p.read_bytes(), path
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


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
        raise InputError(f"{name}: JSON nested too deeply") from None


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
# attribute access with unknown/sensitive tracking
# --------------------------------------------------------------------------

_MISSING = object()


class _Attrs:
    """One resource's after-apply attributes, with unknown resolution."""

    __slots__ = ("address", "after", "unknown", "sensitive", "resolver")

    def __init__(self, address: str, after: Any, unknown: Any, sensitive: Any, resolver):
        self.address = address
        self.after = after if isinstance(after, dict) else {}
        self.unknown = unknown if isinstance(unknown, (dict, bool)) else {}
        self.sensitive = sensitive if isinstance(sensitive, (dict, bool)) else {}
        self.resolver = resolver

    @staticmethod
    def _walk(node: Any, path: tuple) -> Any:
        for key in path:
            if node is True:
                return True
            if isinstance(node, dict) and isinstance(key, str):
                node = node.get(key, _MISSING)
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                node = node[key]
            else:
                return _MISSING
        return node

    def is_unknown(self, *path) -> bool:
        node = self.unknown
        for key in path:
            if node is True:
                return True
            if isinstance(node, dict) and isinstance(key, str):
                node = node.get(key)
            elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                node = node[key]
            else:
                return False
        return node is True

    def get(self, *path, resolve: bool = True, unset_when_unconfigured: bool = False) -> Any:
        """The value at ``path``: known value, None (unset), Ref, or Unknown."""
        if self.is_unknown(*path):
            if resolve and self.resolver is not None:
                value = self.resolver(self.address, path, self.after)
                if value is not MISSING:
                    return value
                if unset_when_unconfigured and self.resolver.unconfigured(self.address, path):
                    return None
            return Unknown(KNOWN_AFTER_APPLY, f"{self.address}.{_dotted(path)}")
        value = self._walk(self.after, path)
        return None if value is _MISSING else value

    def blocks(self, *path) -> list:
        """A nested-block list (possibly empty); unknown lists come back as []."""
        value = self._walk(self.after, path)
        return value if isinstance(value, list) else []


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
        for s, v in zip(sens, value):
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

_TD = "aws_ecs_task_definition"
_SVC = "aws_ecs_service"
_TG = ("aws_lb_target_group", "aws_alb_target_group")
_RULE = ("aws_lb_listener_rule", "aws_alb_listener_rule")


def load_plan(path: str, config: Config, scope: str | None = None, *, validate: bool = True) -> Loaded:
    """The model of a plan file.  ``validate=False`` skips the JSON-schema checks
    (jsonschema is not needed): the Checkov adapter uses it inside Checkov's
    environment on a file Checkov has already parsed as a plan."""
    raw, name = read_input(path)
    text = decode(raw, name)
    del raw  # keep one copy of the input in memory, not two
    try:
        streamed = _stream(text, config)
    except (_NotStreamable, ValueError, IndexError, RecursionError):
        streamed = None
    if streamed is None:
        # not a well-formed plan object: the whole-document parse says why
        doc = parse_json(text, name)
        del text
        if validate or not isinstance(doc, dict):
            classify_document(doc, name)
        return build(doc, config, scope=scope, name=name, validate=validate)
    doc, spans, top_spans, redact = streamed
    if validate:
        classify_document(doc, name)
    index = ConfigIndex(doc.get("configuration") or {}, doc.get("variables") or {})
    prefix = resolve_scope(scope if scope is not None else config.scope, index, config)
    decoder = json.JSONDecoder()
    doc["resource_changes"] = [
        decoder.raw_decode(text, start)[0] for address, start in spans if _under(address, prefix)
    ]
    if not spans and "planned_values" in top_spans:
        doc["planned_values"] = decoder.raw_decode(text, top_spans["planned_values"])[0]
    del text
    return build(doc, config, scope=prefix or "root", name=name, redact=redact, validate=validate)


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
        if not scoped:
            continue
        actions = change.get("actions") or []
        if after is None or actions == ["delete"]:
            continue  # deleted resources do not count
        seen.add(address)
        attrs = _Attrs(address, after, change.get("after_unknown"), sens, index.resolver)
        _add_resource(dep, rc.get("mode", "managed"), rc.get("type", ""), address, attrs, config)

    # resources only in planned_values (plans without resource_changes entries for them)
    for module in _scoped_planned_modules(doc, in_scope, scope_prefix):
        for res in module.get("resources") or []:
            address = res.get("address") if isinstance(res, dict) else None
            if not isinstance(address, str) or address in seen or not in_scope(address):
                continue
            seen.add(address)
            sens = res.get("sensitive_values")
            attrs = _Attrs(address, res.get("values"), {}, sens, index.resolver)
            _add_resource(dep, res.get("mode", "managed"), res.get("type", ""), address, attrs, config)

    # data sources and module calls come from the configuration
    for module_address, module_conf in index.modules():
        for res in module_conf.get("resources") or []:
            if not isinstance(res, dict) or res.get("mode") != "data":
                continue
            address = f"{module_address}.{res.get('address')}" if module_address else str(res.get("address"))
            if address in seen or not in_scope(address):
                continue
            if resource_kind(res.get("type", ""), "data") == "database":
                seen.add(address)
                dep.databases.append(DatabaseResource(address, kind="data", type=res.get("type", "")))
        for call_name, call in (module_conf.get("module_calls") or {}).items():
            address = f"{module_address}.module.{call_name}" if module_address else f"module.{call_name}"
            if not in_scope(address) or not isinstance(call, dict):
                continue
            source = call.get("source")
            dep.module_calls.append(ModuleCall(address, name=call_name, source=source, type="module"))
            if database_module(call_name, source):
                dep.databases.append(DatabaseResource(address, kind="module", type="module", identifier=source))

    # secret-looking env values are never printed either
    for td in dep.task_definitions:
        if isinstance(td.containers, tuple):
            for c in td.containers:
                if isinstance(c.environment, tuple):
                    for var in c.environment:
                        if isinstance(var.value, str) and (var.sensitive or config.is_secret_name(var.name)):
                            redact.add(var.value)

    info = InputInfo(
        kind="plan",
        path=name,
        format_version=str(doc.get("format_version")) if doc.get("format_version") is not None else None,
        terraform_version=doc.get("terraform_version"),
        scope=scope_prefix,
    )
    return Loaded(dep, info)


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


# --------------------------------------------------------------------------
# resource types -> model objects
# --------------------------------------------------------------------------


def _add_resource(dep: Deployment, mode: str, rtype: str, address: str, a: _Attrs, config: Config) -> None:
    if mode == "data":
        if resource_kind(rtype, "data") == "database":
            dep.databases.append(DatabaseResource(address, kind="data", type=rtype))
        return
    if rtype == _TD:
        dep.task_definitions.append(_task_definition(address, a, dep.redact))
    elif rtype == _SVC:
        dep.services.append(_service(address, a))
    elif rtype in _TG:
        dep.target_groups.append(
            TargetGroup(
                address,
                type=rtype,
                name=a.get("name"),
                arn=_self_ref(a, address, "arn"),
                port=a.get("port"),
                protocol=a.get("protocol"),
                target_type=a.get("target_type", unset_when_unconfigured=True),
            )
        )
    elif rtype in _RULE:
        dep.listener_rules.append(_listener_rule(address, a))
    elif rtype == "aws_security_group":
        for i, block in enumerate(a.blocks("ingress")):
            dep.ingress_rules.append(_ingress(f"{address}.ingress[{i}]", a, ("ingress", i), rtype))
        if a.is_unknown("ingress"):
            dep.ingress_rules.append(
                IngressRule(f"{address}.ingress", type=rtype, from_port=Unknown(KNOWN_AFTER_APPLY, f"{address}.ingress"),
                            to_port=Unknown(KNOWN_AFTER_APPLY, f"{address}.ingress"), protocol=None)
            )
    elif rtype == "aws_security_group_rule":
        if a.get("type") == "ingress":
            dep.ingress_rules.append(_ingress(address, a, (), rtype))
    elif rtype == "aws_vpc_security_group_ingress_rule":
        dep.ingress_rules.append(
            IngressRule(
                address,
                type=rtype,
                from_port=a.get("from_port"),
                to_port=a.get("to_port"),
                protocol=a.get("ip_protocol"),
                sources=tuple(s for s in (a.get("cidr_ipv4"), a.get("cidr_ipv6"), a.get("referenced_security_group_id")) if isinstance(s, str)),
            )
        )
    elif rtype == "aws_ecr_repository":
        dep.ecr_repositories.append(
            EcrRepository(address, type=rtype, name=a.get("name"), repository_url=_self_ref(a, address, "repository_url"))
        )
    elif rtype in ("aws_secretsmanager_secret", "aws_ssm_parameter"):
        dep.secrets.append(Secret(address, type=rtype, name=a.get("name"), arn=_self_ref(a, address, "arn")))
    elif rtype == "aws_appautoscaling_target":
        if a.get("service_namespace") in ("ecs", None):
            dep.autoscaling_targets.append(
                AutoscalingTarget(
                    address,
                    type=rtype,
                    resource_id=a.get("resource_id"),
                    min_capacity=a.get("min_capacity"),
                    max_capacity=a.get("max_capacity"),
                    scalable_dimension=a.get("scalable_dimension"),
                )
            )
    elif resource_kind(rtype) == "database":
        ident = a.get("identifier", resolve=False)
        dep.databases.append(DatabaseResource(address, kind="resource", type=rtype, identifier=ident))


def _self_ref(a: _Attrs, address: str, attr: str) -> Any:
    """A resource's own identifying attribute: known value, else a Ref to itself."""
    if a.is_unknown(attr):
        return Ref(address, attr)
    value = a.get(attr, resolve=False)
    return value if value is not None else Ref(address, attr)


def _task_definition(address: str, a: _Attrs, redact: set[str]) -> TaskDefinition:
    where = f"{address}.container_definitions"
    raw = a.get("container_definitions", resolve=False)
    if isinstance(raw, Unknown):
        raw = Unknown(
            KNOWN_AFTER_APPLY,
            where,
            "it interpolates values known only after apply; re-run with --source-dir <terraform root> to evaluate it from the sources",
        )
    containers = parse_container_definitions(raw, where, redact)
    volumes: Any
    if a.is_unknown("volume"):
        volumes = Unknown(KNOWN_AFTER_APPLY, f"{address}.volume")
    else:
        vols = []
        for i, v in enumerate(a.blocks("volume")):
            if not isinstance(v, dict):
                continue
            efs = _first(v.get("efs_volume_configuration"))
            docker = _first(v.get("docker_volume_configuration"))
            vols.append(
                Volume(
                    name=a.get("volume", i, "name"),
                    host_path=v.get("host_path") or None,
                    efs=EfsVolumeConfig(
                        file_system_id=a.get("volume", i, "efs_volume_configuration", 0, "file_system_id"),
                        root_directory=efs.get("root_directory"),
                        transit_encryption=efs.get("transit_encryption"),
                    )
                    if efs is not None
                    else None,
                    docker=DockerVolumeConfig(
                        scope=docker.get("scope"), autoprovision=docker.get("autoprovision"), driver=docker.get("driver")
                    )
                    if docker is not None
                    else None,
                    configure_at_launch=v.get("configure_at_launch"),
                )
            )
        volumes = tuple(vols)
    compat = a.get("requires_compatibilities", unset_when_unconfigured=True)
    return TaskDefinition(
        address,
        type=_TD,
        family=a.get("family"),
        network_mode=a.get("network_mode", unset_when_unconfigured=True),
        requires_compatibilities=tuple(compat) if isinstance(compat, list) else (() if compat is None else compat),
        containers=containers,
        volumes=volumes,
        arn=_self_ref(a, address, "arn"),
    )


def _first(value: Any) -> dict | None:
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return None


def _service(address: str, a: _Attrs) -> Service:
    if a.is_unknown("load_balancer"):
        lbs: Any = Unknown(KNOWN_AFTER_APPLY, f"{address}.load_balancer")
    else:
        lbs = tuple(
            LoadBalancerAttachment(
                target_group=a.get("load_balancer", i, "target_group_arn"),
                container_name=a.get("load_balancer", i, "container_name"),
                container_port=a.get("load_balancer", i, "container_port"),
            )
            for i, _ in enumerate(a.blocks("load_balancer"))
        )
    strategy = a.blocks("capacity_provider_strategy")
    return Service(
        address,
        type=_SVC,
        name=a.get("name"),
        task_definition=a.get("task_definition"),
        desired_count=a.get("desired_count"),
        deployment_maximum_percent=a.get("deployment_maximum_percent", unset_when_unconfigured=True),
        deployment_minimum_healthy_percent=a.get("deployment_minimum_healthy_percent", unset_when_unconfigured=True),
        launch_type=a.get("launch_type", unset_when_unconfigured=True),
        capacity_providers=tuple(s.get("capacity_provider") for s in strategy if isinstance(s, dict)),
        load_balancers=lbs,
        name_ref=Ref(address, "name"),
    )


def _listener_rule(address: str, a: _Attrs) -> ListenerRule:
    conditions = []
    for i, cond in enumerate(a.blocks("condition")):
        if not isinstance(cond, dict):
            continue
        paths: Any = ()
        hosts: Any = ()
        if a.is_unknown("condition", i):
            paths = hosts = Unknown(KNOWN_AFTER_APPLY, f"{address}.condition[{i}]")
        else:
            field = cond.get("field")  # provider < 2.42 style
            if field in ("path-pattern", "host-header"):
                values = a.get("condition", i, "values")
                values = tuple(values) if isinstance(values, list) else values
                if field == "path-pattern":
                    paths = values
                else:
                    hosts = values
            for j, _ in enumerate(cond.get("path_pattern") or []):
                v = a.get("condition", i, "path_pattern", j, "values")
                paths = (tuple(paths) if isinstance(paths, tuple) else ()) + (tuple(v) if isinstance(v, list) else (v,))
            for j, _ in enumerate(cond.get("host_header") or []):
                v = a.get("condition", i, "host_header", j, "values")
                hosts = (tuple(hosts) if isinstance(hosts, tuple) else ()) + (tuple(v) if isinstance(v, list) else (v,))
        conditions.append(RuleCondition(path_patterns=paths, host_headers=hosts))
    actions = []
    for i, act in enumerate(a.blocks("action")):
        if not isinstance(act, dict):
            continue
        targets: list = []
        tg = a.get("action", i, "target_group_arn")
        if tg is not None and tg != "":
            targets.append(tg)
        for j, fwd in enumerate(act.get("forward") or []):
            for k, _ in enumerate((fwd or {}).get("target_group") or []):
                targets.append(a.get("action", i, "forward", j, "target_group", k, "arn"))
        actions.append(RuleAction(type=a.get("action", i, "type"), target_groups=tuple(targets)))
    return ListenerRule(
        address,
        type="aws_lb_listener_rule",
        listener=a.get("listener_arn"),
        priority=a.get("priority"),
        conditions=tuple(conditions),
        actions=tuple(actions),
    )


def _ingress(address: str, a: _Attrs, base: tuple, rtype: str) -> IngressRule:
    sources = []
    for key in ("cidr_blocks", "ipv6_cidr_blocks", "security_groups", "source_security_group_id", "prefix_list_ids"):
        v = a.get(*base, key, resolve=False)
        if isinstance(v, list):
            sources.extend(s for s in v if isinstance(s, str))
        elif isinstance(v, str):
            sources.append(v)
    if a.get(*base, "self", resolve=False) is True:
        sources.append("self")
    return IngressRule(
        address,
        type=rtype,
        from_port=a.get(*base, "from_port"),
        to_port=a.get(*base, "to_port"),
        protocol=a.get(*base, "protocol"),
        sources=tuple(sources),
    )


__all__ = ["load_plan", "build", "read_input", "decode", "parse_json", "classify_document", "module_path_of", "split_address"]
