"""Issue 13, points 8-11: hostile Terraform sources end, within 30 s and 3 GB, with exit 0/1/2 and never
an internal error.  What Terraform rejects (module cycles) and what is beyond the limits is one line,
exit 2, saying so; what cannot be evaluated is ``unknown``, named so.

The inputs are generated here (bounded size); each runs as ``ctj-policy check DIR`` in its own process.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from hostile import assert_clean, run_bounded


def _ecr(name_expr: str, extra: str = "") -> str:
    return f'{extra}\nresource "aws_ecr_repository" "r" {{\n  name = {name_expr}\n}}\n'


def _locals(**exprs: str) -> str:
    return "locals {\n" + "".join(f"  {k} = {v}\n" for k, v in exprs.items()) + "}\n"


def _doubling(n: int, template: bool) -> str:
    """n locals, each twice the one before: 2**n elements (or characters) from a few lines."""
    lines = {"a0": '"xxxxxxxx"' if template else '["x", "x"]'}
    for i in range(1, n):
        lines[f"a{i}"] = f'"${{local.a{i-1}}}${{local.a{i-1}}}"' if template else f"[local.a{i-1}, local.a{i-1}]"
    return _locals(**lines) + _ecr(f"jsonencode(local.a{n-1})")


CATASTROPHIC = "a" * 30_000 + "b"

OK = -1  # exit 0 or 1: a verdict, not an error

# name -> (files, expected exit code (None: any of 0/1/2), phrase the one error line must hold)
CASES: dict[str, tuple[dict, int | None, str]] = {
    # point 8: module cycles, which Terraform rejects
    "cycle A calls B calls A": (
        {
            "main.tf": 'module "a" {\n  source = "./a"\n}\n',
            "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
            "b/main.tf": 'module "a" {\n  source = "../a"\n}\n',
        },
        2,
        "module cycle",
    ),
    'cycle source = "./"': ({"main.tf": 'module "me" {\n  source = "./"\n}\n'}, 2, "module cycle"),
    "cycle through a symlink to .": ({"main.tf": 'module "me" {\n  source = "./link"\n}\n', "link": None}, 2, "module cycle"),
    "self-calling module in the CTJ project": (
        {
            "main.tf": 'module "civic-tech-jobs" {\n  source = "./projects/civic-tech-jobs"\n}\n',
            "projects/civic-tech-jobs/main.tf": 'module "again" {\n  source = "../civic-tech-jobs"\n}\n'
            + _ecr('"civic-tech-jobs-backend"'),
        },
        2,
        "module cycle",
    ),
    "module calls nested 40 deep": (
        {f"m{i}/main.tf": f'module "next" {{\n  source = "../m{i + 1}"\n}}\n' for i in range(40)}
        | {"main.tf": 'module "m" {\n  source = "./m0"\n}\n', "m40/main.tf": _ecr('"x"')},
        2,
        "limit",
    ),
    # point 9: catastrophic backtracking must not hang (RE2 is linear)
    "regex catastrophic backtracking": (
        {"main.tf": _locals(x=f'regex("^(a+)+$", "{CATASTROPHIC}")') + _ecr("local.x")},
        None,
        "",
    ),
    "regexall catastrophic backtracking": (
        {"main.tf": _locals(x=f'length(regexall("(x+x+)+y", "{"x" * 30_000}"))') + _ecr("local.x")},
        None,
        "",
    ),
    "replace with a catastrophic regex": (
        {"main.tf": _ecr(f'replace("{CATASTROPHIC}", "/^(a|a)+$/", "z")')},
        None,
        "",
    ),
    "regex not RE2 syntax": ({"main.tf": _ecr('regex("(a)\\\\1", "aa")')}, None, ""),
    # point 10: what used to be internal errors
    "242 nested [": ({"main.tf": _locals(x="[" * 242 + "]" * 242) + _ecr('"x"')}, 2, "nested deeper"),
    "100000 nested [": ({"main.tf": _locals(x="[" * 100_000 + "]" * 100_000) + _ecr('"x"')}, 2, "nested deeper"),
    "deep parentheses": ({"main.tf": _locals(x="(" * 3000 + "1" + ")" * 3000) + _ecr('"x"')}, 2, "nested deeper"),
    "count = 1e999": ({"main.tf": 'resource "aws_ecr_repository" "r" {\n  count = 1e999\n  name = "x"\n}\n'}, None, ""),
    'tonumber("nan")': ({"main.tf": _ecr('tonumber("nan")')}, None, ""),
    'tonumber("nan") as a count': (
        {"main.tf": 'resource "aws_ecr_repository" "r" {\n  count = tonumber("nan")\n  name = "x"\n}\n'},
        None,
        "",
    ),
    "5 % 0 inside try()": ({"main.tf": _ecr('try(5 % 0, "fallback")')}, None, ""),
    "5 % 0 as a count": ({"main.tf": 'resource "aws_ecr_repository" "r" {\n  count = 5 % 0\n  name = "x"\n}\n'}, None, ""),
    "range(1e12)": ({"main.tf": _locals(x="range(1e12)") + _ecr("length(local.x)")}, 2, "limit"),
    "range(1e999)": ({"main.tf": _ecr("length(range(1e999))")}, None, ""),
    'SQL_PORT = "²"': (
        {
            "main.tf": 'resource "aws_ecs_task_definition" "t" {\n  family = "f"\n'
            '  container_definitions = jsonencode([{ name = "django", image = "x",'
            ' environment = [{ name = "SQL_PORT", value = "²" }, { name = "SQL_HOST", value = "db" }] }])\n}\n'
        },
        None,
        "",
    ),
    "int literal of 5000 digits": ({"main.tf": _ecr("1" + "0" * 5000)}, None, ""),
    "1e308 * 10": ({"main.tf": _ecr("1e308 * 10")}, None, ""),
    "null + 1": ({"main.tf": _ecr("null + 1")}, None, ""),
    "can() and try() with no arguments": ({"main.tf": _ecr("can()") + _locals(y="try()")}, None, ""),
    "expansion of a non-list": ({"main.tf": _ecr('concat(5...)')}, None, ""),
    "for_each over a list of lists": (
        {"main.tf": 'resource "aws_ecr_repository" "r" {\n  for_each = [[1], [2]]\n  name = "x"\n}\n'},
        None,
        "",
    ),
    "jsondecode 5000 deep": ({"main.tf": _ecr('jsondecode("' + "[" * 5000 + "]" * 5000 + '")')}, None, ""),
    "jsondecode NaN": ({"main.tf": _ecr('jsondecode("NaN")')}, None, ""),
    "circular locals": ({"main.tf": _locals(a="local.b", b="local.a") + _ecr("local.a")}, None, ""),
    # point 11: resource bounds
    "count = 100000000": (
        {"main.tf": 'resource "aws_ecr_repository" "r" {\n  count = 100000000\n  name = "x"\n}\n'},
        2,
        "limit of 10,000 instances",
    ),
    "for_each of 20000": (
        {"main.tf": 'resource "aws_ecr_repository" "r" {\n  for_each = toset([for i in range(20000) : tostring(i)])\n  name = each.key\n}\n'},
        2,
        "limit",
    ),
    "2**20 module instances": (
        {f"m{i}/main.tf": f'module "next" {{\n  count = 2\n  source = "../m{i + 1}"\n}}\n' for i in range(20)}
        | {"main.tf": 'module "m" {\n  source = "./m0"\n}\n', "m20/main.tf": _ecr('"x"')},
        2,
        "limit",
    ),
    "dynamic blocks of 20000": (
        {
            "main.tf": 'resource "aws_security_group" "s" {\n  dynamic "ingress" {\n    for_each = range(20000)\n'
            "    content {\n      from_port = 1\n      to_port = 1\n      protocol = \"tcp\"\n    }\n  }\n}\n"
        },
        2,
        "limit",
    ),
    "list doubled 40 times": ({"main.tf": _doubling(40, template=False)}, 2, "limit"),
    "string doubled 40 times": ({"main.tf": _doubling(40, template=True)}, 2, "limit"),
    "nested for over 3000 x 3000": (
        {"main.tf": _locals(x="[for i in range(3000) : [for j in range(3000) : i]]") + _ecr("length(local.x)")},
        2,
        "limit",
    ),
    "big value read by many resources": (
        {
            "main.tf": _locals(big="range(150000)")
            + 'resource "aws_ecr_repository" "r" {\n  count = 500\n  name = local.big\n}\n'
        },
        2,
        "limit",
    ),
    'format("%0999999999d")': ({"main.tf": _ecr('format("%0999999999d", 1)')}, 2, "limit"),
    "join with a huge separator": (
        {"main.tf": _locals(s='format("%0150000d", 1)') + _ecr('join(local.s, range(1000))')},
        2,
        "limit",
    ),
    "replace with a growing replacement": (
        {"main.tf": _locals(s='format("%0150000d", 1)') + _ecr('replace(local.s, "", local.s)')},
        2,
        "limit",
    ),
    ".tf of 50 MB (sparse)": ({"main.tf": _ecr('"x"'), "big.tf": 50 << 20}, 2, "limit"),
    ".tf over the file limit": ({"main.tf": _ecr('"x"') + "#" * (300 << 10) + "\n"}, 2, "limit"),
    "600 files": ({f"f{i:03}.tf": f"locals {{\n  x{i} = {i}\n}}\n" for i in range(600)}, 2, "limit"),
    "not UTF-8": ({"main.tf": b"locals {\n  x = \"\xff\xfe\"\n}\n"}, 2, "UTF-8"),
    "NUL bytes": ({"main.tf": b"locals {\n  x = \"a\x00b\"\n}\n\x00\x00"}, None, ""),
    # point 12: a heredoc line is text, not an inline waiver
    "heredoc holding a waiver line": (
        {
            "main.tf": 'resource "aws_ecr_repository" "r" {\n  name = "x"\n  policy = <<EOT\n'
            '# ctj-policy:ignore CTJ999 reason="in a heredoc"\nEOT\n}\n'
        },
        OK,
        "",
    ),
}


def _materialise(root: Path, files: dict) -> Path:
    for name, content in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if content is None:  # a symlink to its own directory
            p.symlink_to(".")
        elif isinstance(content, int):  # a sparse file of that size
            with open(p, "wb") as fh:
                fh.truncate(content)
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
    return root


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_ends_cleanly(tmp_path, name):
    files, code, phrase = CASES[name]
    root = _materialise(tmp_path / "tf", files)
    out = run_bounded("check", str(root), "--scope", "root", "--format", "json")
    assert_clean(out)
    err = out.stderr.decode(errors="replace")
    if code == OK:
        assert out.returncode in (0, 1), err[-800:]
    elif code is not None:
        assert out.returncode == code, err[-800:]
    if phrase:
        assert phrase in err, err[-800:]
    if out.returncode in (0, 1):
        json.loads(out.stdout)


def test_catastrophic_regex_is_decided_not_hung(tmp_path):
    """RE2 answers: no match is an invalid call, so the value is unknown, named so."""
    root = _materialise(tmp_path, {"main.tf": _locals(x=f'regex("^(a+)+$", "{CATASTROPHIC}")') + _ecr("local.x")})
    from ctj_policy.config import DEFAULT
    from ctj_policy.loaders.hcl import load_hcl
    from ctj_policy.model import Unknown

    name = load_hcl(root, DEFAULT).deployment.ecr_repositories[0].name
    assert isinstance(name, Unknown) and "no match" in name.detail


# --------------------------------------------------------------------------
# generated: random expressions built from hostile pieces (seeded, bounded size)
# --------------------------------------------------------------------------

_PIECES = [
    "1e999", "-1e999", "5 % 0", "5 / 0", "null", 'tonumber("nan")', 'tonumber("²")', "range(1e12)", "range(-5)",
    '"${local.v0}${local.v0}"', "[local.v0, local.v0]", "{ a = local.v0 }", 'regex("(a*)*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaac")',
    'jsondecode("[[[[1]]]]")', "length(local.v0)", "local.v0[0]", 'local.v0["k"]', 'format("%d", local.v0)',
    "try(local.v0, 1)", "can(local.v0)", "concat(local.v0, local.v0)", "merge(local.v0, {})", "flatten(local.v0)",
    "toset(local.v0)", "tostring(local.v0)", "!local.v0", "-local.v0", "local.v0 * local.v0", "local.v0 == local.v0",
    "local.v0 ? 1 : 2", "[for x in local.v0 : x]", "{ for k, v in local.v0 : k => v }", "local.v0[*]", "jsonencode(local.v0)",
    'join(",", local.v0)', 'replace(local.v0, "/a+/", "$1")', "keys(local.v0)", "element(local.v0, 7)", "1.5",
    '"²"', "true", "[]", "{}", "99999999999999999999999999999999",
]


def _random_config(rng: random.Random, n: int) -> str:
    exprs = {}
    for i in range(n):
        piece = rng.choice(_PIECES)
        prev = f"local.v{rng.randrange(i)}" if i else '"x"'
        exprs[f"v{i}"] = piece.replace("local.v0", prev)
    return (
        _locals(**exprs)
        + f'resource "aws_ecr_repository" "r" {{\n  count = try(length(local.v{n - 1}) % 3, 1)\n  name = tostring(local.v{n - 1})\n}}\n'
        + 'resource "aws_ecs_service" "s" {\n'
        + f"  desired_count = local.v{rng.randrange(n)}\n  name = \"s\"\n}}\n"
    )


@pytest.mark.parametrize("seed", range(12))
def test_generated_hostile_expressions(tmp_path, seed):
    rng = random.Random(seed)
    (tmp_path / "main.tf").write_text(_random_config(rng, 30))
    out = run_bounded("check", str(tmp_path), "--format", "json")
    assert_clean(out)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_named_like_a_tf_file_is_not_read(tmp_path):
    (tmp_path / "main.tf").write_text(_ecr('"x"'))
    os.mkfifo(tmp_path / "fifo.tf")
    out = run_bounded("check", str(tmp_path), "--format", "json")
    assert_clean(out)
