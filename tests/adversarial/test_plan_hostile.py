"""Hostile plan JSON, configuration and paths: every run ends, with exit 0/1/2 and no internal error.

Issue 13 points 10-12 (plan and config side).  Inputs are generated here from
the whole-account fixture with bounded size (a few MB at most) and each one
runs ``python -m ctj_policy`` in its own process, as a user would, under a
30 s timeout and a 3 GB address-space limit (RLIMIT_AS).  What is checked is
the contract of SPEC section 5, not a verdict: the exit code is 0, 1 or 2;
an exit 2 is one line ``ctj-policy: error: ...``; nothing says "internal
error" or prints a traceback.  The mutated plans are seeded, so a failure
names a case that can be rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHOLE = ROOT / "fixtures" / "plans" / "whole-account.json"
CTJ = "module.civic-tech-jobs."
TIMEOUT = 30
MEMORY = 3 * 1024**3
SEED = 20260513

pytestmark = pytest.mark.skipif(not WHOLE.is_file(), reason="fixtures/plans/whole-account.json is not built")


def _limits() -> None:  # in the child, before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(*args: str, stdin=None, input: bytes | None = None, env: dict | None = None, cwd: Path | None = None):
    full_env = {**os.environ, **(env or {})}
    for name in ("FORCE_COLOR", "CTJ_POLICY_DEBUG", "CTJ_POLICY_MAX_INPUT_MB"):
        if name not in (env or {}):
            full_env.pop(name, None)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "ctj_policy", *args],
        stdin=stdin,
        input=input,
        capture_output=True,
        cwd=cwd or ROOT,
        env=full_env,
        timeout=TIMEOUT,
        preexec_fn=_limits if sys.platform != "win32" else None,
    )
    proc.elapsed = time.monotonic() - started  # type: ignore[attr-defined]
    return proc


def assert_contract(proc, case: str = "") -> str:
    """Exit 0/1/2; exit 2 is exactly one error line; never an internal error or a traceback."""
    err = proc.stderr.decode("utf-8", "replace")
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode in (0, 1, 2), (case, proc.returncode, err[-2000:])
    assert "internal error" not in err, (case, err)
    assert "Traceback" not in err and "Traceback" not in out, (case, err[-2000:])
    if proc.returncode == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("ctj-policy: error: "), (case, err)
    return err


# --------------------------------------------------------------------------
# hostile values, as raw JSON text (json.dumps cannot write most of them)
# --------------------------------------------------------------------------

HOSTILE = {
    "int-5000-digits": "9" * 5000,
    "negative-int-5000-digits": "-" + "9" * 5000,
    "int-4300-digits": "1" * 4300,  # at the limit: readable
    "float-1e999": "1e999",
    "float--1e999": "-1e999",
    "nan": "NaN",
    "infinity": "Infinity",
    "port-and-a-half": "65535.5",
    "hex-string": '"0x10000"',
    "list-of-port": "[65535]",
    "null": "null",
    "true": "true",
    "empty-object": "{}",
    "empty-list": "[]",
    "nested-50": "[" * 50 + "]" * 50,
    "nested-900": "[" * 900 + "]" * 900,
    "nested-3000": "[" * 3000 + "]" * 3000,
    "objects-nested-2000": '{"a":' * 2000 + "1" + "}" * 2000,
    "control-characters": json.dumps("\x00\x1b[31mred\x07\x1b]8;;http://x\x07"),
    "lone-surrogate": '"\\ud800x"',
    "long-string": json.dumps("A" * 200_000),
    "wide-list": "[" + ",".join(["1"] * 100_000) + "]",
    "unicode-digits": json.dumps("\u00b2\u0663"),
}


def _placeholder(i: int) -> str:
    return f"@@hostile-{i}@@"


def _ctj_changes(doc: dict) -> list[dict]:
    return [rc for rc in doc["resource_changes"] if rc["address"].startswith(CTJ)]


def _slots(doc: dict) -> list[tuple[str, object, object]]:
    """Every place a hostile value can go: (label, container, key)."""
    slots: list[tuple[str, object, object]] = []

    def walk(label: str, node, depth: int = 0) -> None:
        if depth > 6:
            return
        if isinstance(node, dict):
            for key in list(node):
                slots.append((f"{label}.{key}", node, key))
                walk(f"{label}.{key}", node[key], depth + 1)
        elif isinstance(node, list):
            for i in range(len(node)):
                slots.append((f"{label}[{i}]", node, i))
                walk(f"{label}[{i}]", node[i], depth + 1)

    for rc in _ctj_changes(doc):
        change = rc["change"]
        for part in ("after", "after_unknown", "after_sensitive"):
            walk(f"{rc['address']}.{part}", change.get(part))
    walk("variables", doc.get("variables"))
    walk("configuration", doc["configuration"]["root_module"].get("module_calls", {}).get("civic-tech-jobs"))
    for key in ("format_version", "terraform_version"):
        slots.append((key, doc, key))
    return slots


def _task(doc: dict) -> dict:
    return next(rc for rc in _ctj_changes(doc) if rc["type"] == "aws_ecs_task_definition")


def hostile_plan(slot_index: int | None, value: str, *, in_containers: str | None = None) -> bytes:
    """The whole-account plan with ``value`` at one slot, or inside container_definitions."""
    doc = json.loads(WHOLE.read_text("utf-8"))
    if in_containers is not None:
        after = _task(doc)["change"]["after"]
        containers = json.loads(after["container_definitions"])
        first = containers[0]
        if in_containers == "port":
            first["portMappings"] = [{"containerPort": _placeholder(0), "hostPort": 8000, "protocol": "tcp"}]
        elif in_containers == "env":
            first.setdefault("environment", []).append({"name": "SQL_PORT", "value": _placeholder(0)})
        elif in_containers == "image":
            first["image"] = _placeholder(0)
        else:
            first[in_containers] = _placeholder(0)
        inner = json.dumps(containers).replace(json.dumps(_placeholder(0)), value)
        after["container_definitions"] = _placeholder(1)
        text = json.dumps(doc)
        return text.replace(json.dumps(_placeholder(1)), json.dumps(inner)).encode("utf-8")
    slots = _slots(doc)
    _label, container, key = slots[slot_index % len(slots)]
    container[key] = _placeholder(0)  # type: ignore[index]
    return json.dumps(doc).replace(json.dumps(_placeholder(0)), value).encode("utf-8")


def _slot_count() -> int:
    return len(_slots(json.loads(WHOLE.read_text("utf-8")))) if WHOLE.is_file() else 1


def _cases() -> list[tuple[str, int, str]]:
    """A seeded sample of (hostile value, slot) pairs, and every value at a fixed set of slots."""
    rng = random.Random(SEED)
    n = _slot_count()
    cases = [(name, rng.randrange(n), HOSTILE[name]) for name in sorted(HOSTILE) for _ in range(2)]
    return cases


@pytest.mark.parametrize("name, slot, value", _cases(), ids=[f"{n}@{slot}" for n, slot, _ in _cases()])
def test_hostile_value_in_the_plan(tmp_path, name, slot, value):
    plan = tmp_path / "plan.json"
    plan.write_bytes(hostile_plan(slot, value))
    assert_contract(run("check", str(plan), "--format", "json"), f"{name} at slot {slot}")


@pytest.mark.parametrize("where", ["port", "env", "image"])
@pytest.mark.parametrize(
    "name", ["int-5000-digits", "nested-3000", "float-1e999", "nan", "lone-surrogate", "control-characters"]
)
def test_hostile_value_in_container_definitions(tmp_path, name, where):
    plan = tmp_path / "plan.json"
    plan.write_bytes(hostile_plan(None, HOSTILE[name], in_containers=where))
    assert_contract(run("check", str(plan)), f"{name} in containers {where}")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github", "markdown"])
def test_every_format_survives_control_characters_and_surrogates(tmp_path, fmt):
    plan = tmp_path / "plan.json"
    plan.write_bytes(hostile_plan(None, HOSTILE["lone-surrogate"], in_containers="image"))
    assert_contract(run("check", str(plan), "--format", fmt), fmt)


# --------------------------------------------------------------------------
# whole documents that are not plans, or are too big
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("top-level-5000-digit-int", "9" * 5000),
        ("deep-array-100000", "[" * 100_000 + "]" * 100_000),
        ("deep-array-unclosed", "[" * 100_000),
        ("deep-object", '{"a":' * 50_000 + "1" + "}" * 50_000),
        ("nan-document", "NaN"),
        ("object-of-nan", '{"format_version": NaN}'),
        ("duplicate-keys", '{"format_version": "1.2", "format_version": "1.2", "resource_changes": []}'),
        ("nul-bytes", "\x00" * 1000),
        ("bom-only", "\ufeff"),
        ("utf16-without-bom", "{}".encode("utf-16-le").decode("latin-1")),
    ],
)
def test_hostile_documents(tmp_path, name, text):
    plan = tmp_path / "plan.json"
    plan.write_bytes(text.encode("utf-8", "surrogatepass"))
    assert_contract(run("check", str(plan)), name)
    assert_contract(run("check", "-", input=plan.read_bytes()), f"{name} on stdin")


def test_a_5000_digit_integer_is_a_one_line_input_error(tmp_path):
    doc = json.loads(WHOLE.read_text("utf-8"))
    _task(doc)["change"]["after"]["cpu"] = _placeholder(0)
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(doc).replace(json.dumps(_placeholder(0)), "7" * 5000))
    proc = run("check", str(plan))
    err = assert_contract(proc)
    assert proc.returncode == 2 and "5000 digits" in err and "7777" not in err, err


def test_dev_zero_as_the_plan_is_refused_at_once():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    proc = run("check", "/dev/zero")
    err = assert_contract(proc)
    assert proc.returncode == 2 and "character device" in err and "pipe it to stdin" in err, err
    assert proc.elapsed < 10, proc.elapsed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_as_the_plan_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    proc = run("check", str(fifo))
    err = assert_contract(proc)
    assert proc.returncode == 2 and "FIFO" in err, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_with_an_endless_writer_is_refused(tmp_path):
    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer():
        try:
            fd = os.open(fifo, os.O_WRONLY)
        except OSError:
            return
        try:
            while not stop.is_set():
                os.write(fd, b"[" * 65536)
        except OSError:
            pass
        finally:
            os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        proc = run("check", str(fifo))
    finally:
        stop.set()
        with contextlib.suppress(OSError):  # unblock a writer still waiting for a reader
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    assert proc.returncode == 2 and "FIFO" in assert_contract(proc)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "plan.json"
    with big.open("wb") as fh:  # sparse: no disk space used
        fh.truncate(600 * 1024 * 1024)
    proc = run("check", str(big))
    err = assert_contract(proc)
    assert proc.returncode == 2 and "larger than 512 MB" in err and "CTJ_POLICY_MAX_INPUT_MB" in err, err
    assert proc.elapsed < 10, proc.elapsed


def test_the_size_limit_is_configurable(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_bytes(WHOLE.read_bytes() + b" " * (1024 * 1024))  # ~1.6 MB, still a plan
    proc = run("check", str(plan), env={"CTJ_POLICY_MAX_INPUT_MB": "1"})
    assert proc.returncode == 2 and "larger than 1 MB" in assert_contract(proc)
    assert run("check", str(plan), env={"CTJ_POLICY_MAX_INPUT_MB": "2"}).returncode == 0
    proc = run("check", "-", input=plan.read_bytes(), env={"CTJ_POLICY_MAX_INPUT_MB": "1"})
    assert proc.returncode == 2 and "<stdin>: larger than 1 MB" in assert_contract(proc)
    for bad in ("0", "-5", "lots", "1.5", "9" * 40):
        proc = run("check", str(plan), env={"CTJ_POLICY_MAX_INPUT_MB": bad})
        assert proc.returncode == 2 and "CTJ_POLICY_MAX_INPUT_MB must be" in assert_contract(proc), bad


def test_endless_stdin_stops_at_the_default_limit():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    with open("/dev/zero", "rb") as zero:
        proc = run("check", "-", stdin=zero)
    err = assert_contract(proc)
    assert proc.returncode == 2 and "<stdin>: larger than 512 MB" in err, err


# --------------------------------------------------------------------------
# configuration files
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("arrays-nested-3000", "scope = " + "[" * 3000 + "]" * 3000 + "\n"),
        ("tables-nested-3000", "scope = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n"),
        ("waiver-nested-3000", '[[waivers]]\nrule = "CTJ026"\nreason = ' + "[" * 3000 + "]" * 3000 + "\n"),
        ("huge-int", "postgres-major = " + "9" * 5000 + "\n"),
        ("both-spellings", "postgres-major = 17\npostgres_major = 16\n"),
        ("unknown-rule", '[[waivers]]\nrule = "CTJ999"\nreason = "x"\n'),
        ("unknown-rule-glob", '[[waivers]]\nrule = "CTJ9*"\nreason = "x"\n'),
        ("control-characters", '[[waivers]]\nrule = "CTJ\\u001b[31m026"\nreason = "\\u0007\\u0000"\n'),
        ("not-utf8", "scope = '\udcff'\n"),
        ("nul", "\x00\n"),
    ],
)
def test_hostile_configuration(tmp_path, name, text):
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_bytes(text.encode("utf-8", "surrogateescape"))
    proc = run("check", str(WHOLE), "--config", str(cfg))
    err = assert_contract(proc, name)
    assert proc.returncode == 2, (name, err)
    assert "\x1b" not in err and "\x07" not in err and "\x00" not in err


def test_configuration_that_is_not_a_file(tmp_path):
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero", str(tmp_path)):
        if not os.path.exists(path):
            continue
        proc = run("check", str(WHOLE), "--config", path)
        assert proc.returncode == 2, assert_contract(proc, path)
        assert_contract(proc, path)


def test_huge_configuration_is_refused(tmp_path):
    cfg = tmp_path / ".ctj-policy.toml"
    cfg.write_text("# padding\n" * 500_000)  # 5 MB of comments
    proc = run("check", str(WHOLE), "--config", str(cfg))
    assert proc.returncode == 2 and "larger than" in assert_contract(proc)


# --------------------------------------------------------------------------
# paths
# --------------------------------------------------------------------------


def test_hostile_paths(tmp_path):
    (tmp_path / "dir.json").mkdir()
    cases = [
        ["check", str(tmp_path / "missing.json")],
        ["check", str(tmp_path / "dir.json") + "/"],
        ["check", "\x1b[31m.json"],
        ["check", "a" * 5000 + ".json"],
        ["check", str(WHOLE), "--output", str(tmp_path)],
        ["check", str(WHOLE), "--output", str(tmp_path / "no" / "such" / "dir.txt")],
        ["check", str(WHOLE), "--output", ""],
        ["check", str(WHOLE), "--source-dir", "/dev/null"],
    ]
    for args in cases:
        proc = run(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, assert_contract(proc, repr(args)))
        assert "\x1b" not in assert_contract(proc, repr(args))
