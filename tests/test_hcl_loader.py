"""The HCL loader: expression evaluator tables, symbolic values, modules, locations, bad input."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from conftest import TERRAFORM, run_cli
from ctj_policy.config import DEFAULT
from ctj_policy.loaders import InputError
from ctj_policy.loaders.hcl import load_hcl
from ctj_policy.loaders.hcl_eval import JsonEncoded, Loader, ModuleInst
from ctj_policy.model import Ref, Template, Unknown, same_value


def _root(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return tmp_path


def ev(tmp_path: Path, expr: str, extra: str = "", values: dict | None = None):
    """Evaluate ``expr`` as local.x of a root module holding ``extra``."""
    _root(tmp_path, {"main.tf": f"locals {{\n  x = {expr}\n}}\n{extra}"})
    mod = ModuleInst(Loader(tmp_path, values or {}), tmp_path.resolve(), "")
    return mod.local("x")


TABLE = [
    # literals and templates
    ('"plain"', "plain"),
    ("42", 42),
    ("-1", -1),
    ("1.5", 1.5),
    ("true", True),
    ("null", None),
    ('"a-${1 + 2}-b"', "a-3-b"),
    ('"$${not} %%{this}"', "${not} %{this}"),
    ('"tab\\tquote\\""', 'tab\tquote"'),
    ('"${true}"', True),  # a lone interpolation is the value itself
    ('"x${true}"', "xtrue"),
    # operators
    ("2 * 3 + 1", 7),
    ("7 / 2", 3.5),
    ("5 % 3", 2),
    ('1 == 1 && "a" != "b"', True),
    ("!false || false", True),
    ("3 > 2 ? \"yes\" : \"no\"", "yes"),
    # collections, for expressions, splats, indexes
    ("[1, 2, 3][1]", 2),
    ('{ a = 1, "b" = 2 }', {"a": 1, "b": 2}),
    ('{ a = { b = [10, 20] } }.a.b[1]', 20),
    ("[for v in [1, 2, 3] : v * 2 if v > 1]", [4, 6]),
    ('{for k, v in { a = 1, b = 2 } : upper(k) => v}', {"A": 1, "B": 2}),
    ('[{ n = 1 }, { n = 2 }][*].n', [1, 2]),
    # functions
    ('concat([1], [2, 3])', [1, 2, 3]),
    ('merge({ a = 1 }, { b = 2 }, { a = 3 })', {"a": 3, "b": 2}),
    ('lookup({ a = 1 }, "b", 9)', 9),
    ('format("%s:%d/%05d", "h", 80, 42)', "h:80/00042"),
    ('tostring(8000)', "8000"),
    ('tonumber("5432")', 5432),
    ('try(local.missing, "fallback")', "fallback"),
    ('try({ a = 1 }.b, { a = 1 }.a)', 1),
    ('coalesce("", null, "c")', "c"),
    ('length([1, 2])', 2),
    ('join(",", ["a", "b"])', "a,b"),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('jsonencode({ b = 1, a = [true, null, "x"] })', '{"a":[true,null,"x"],"b":1}'),
    ('jsondecode("{\\"a\\": 1}")', {"a": 1}),
    ('upper(substr("postgres", 0, 4))', "POST"),
    ('element(["a", "b"], 3)', "b"),
    ('can(local.missing)', False),
    # regular expressions: Terraform's RE2 syntax and result shapes
    ('regex("[a-z]+", "53abc9")', "abc"),
    ('regex("(\\\\d+)-(\\\\d+)", "port 80-8080")', ["80", "8080"]),
    ('regex("(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)", "v16.4")', {"major": "16", "minor": "4"}),
    ('regexall("[0-9]+", "a1b22c333")', ["1", "22", "333"]),
    ('length(regexall("x", "abc"))', 0),
    ('replace("postgres:16.4", "/:(\\\\d+)\\\\..*/", ":$1")', "postgres:16"),
    ('replace("a-b", "/(?P<l>a)-(?P<r>b)/", "$${r}-$${l}$$")', "b-a$"),  # $${ is HCL for a literal ${
    # what used to stop with an internal error is an ordinary evaluation error
    ('try(5 % 0, "fallback")', "fallback"),
    ('try(tonumber("nan"), "fallback")', "fallback"),
    ('try(tonumber("²"), "fallback")', "fallback"),
    ('try(1e999, "fallback")', "fallback"),
    ('try(range(1e999), "fallback")', "fallback"),
    ('tonumber("-1.5e2")', -150.0),
    ("toset([3, 1, 3])", [3, 1]),
    ('distinct(["b", "a", "b"])', ["b", "a"]),
]


@pytest.mark.parametrize("expr, expected", TABLE)
def test_evaluator_table(tmp_path, expr, expected):
    assert ev(tmp_path, expr) == expected


def test_crlf_sources_parse(tmp_path):
    """A .tf file with Windows line endings (python-hcl2 >= 8.1.3; pyproject's floor is 8.1.4)."""
    (tmp_path / "main.tf").write_bytes(b'locals {\r\n  x = true\r\n  y = "a-${1 + 2}"\r\n}\r\n')
    mod = ModuleInst(Loader(tmp_path, {}), tmp_path.resolve(), "")
    assert (mod.local("x"), mod.local("y")) == (True, "a-3")


def test_keywords_as_object_keys(tmp_path):
    """HCL does not reserve `in`, `for`, `if` as keys (python-hcl2 >= 8.1.4)."""
    assert ev(tmp_path, '{\n    name = "n"\n    in   = "h"\n  }') == {"name": "n", "in": "h"}
    assert ev(tmp_path / "b", "{ for = 1, if = 2 }") == {"for": 1, "if": 2}


def test_resource_attribute_is_symbolic_and_configured_ones_known(tmp_path):
    extra = 'resource "aws_ecr_repository" "this" {\n  name = "civic-tech-jobs-backend"\n}\n'
    url = ev(tmp_path / "a", "aws_ecr_repository.this.repository_url", extra)
    assert url == Ref("aws_ecr_repository.this", "repository_url")
    assert ev(tmp_path / "b", "aws_ecr_repository.this.name", extra) == "civic-tech-jobs-backend"
    image = ev(tmp_path / "c", '"${aws_ecr_repository.this.repository_url}:stage"', extra)
    assert isinstance(image, Template)
    assert image.parts == (Ref("aws_ecr_repository.this", "repository_url"), ":stage")


def test_symbolic_equality(tmp_path):
    extra = 'resource "aws_secretsmanager_secret" "db" {}\nresource "aws_secretsmanager_secret" "other" {}\n'
    a = ev(tmp_path / "a", '"${aws_secretsmanager_secret.db.arn}:password::"', extra)
    b = ev(tmp_path / "b", '"${aws_secretsmanager_secret.db.arn}:password::"', extra)
    c = ev(tmp_path / "c", '"${aws_secretsmanager_secret.other.arn}:password::"', extra)
    d = ev(tmp_path / "d", "aws_secretsmanager_secret.db.arn", extra)
    assert same_value(a, b) is True
    assert same_value(a, c) is False  # different secrets: decided, not unknown
    assert same_value(d, Ref("aws_secretsmanager_secret.db", "arn")) is True
    assert same_value(d, Ref("aws_secretsmanager_secret.db", "id")) is False
    # random_password results and data sources stay symbolic too
    assert ev(tmp_path / "e", "random_password.p.result", 'resource "random_password" "p" {\n  length = 8\n}\n') == Ref(
        "random_password.p", "result"
    )
    assert ev(tmp_path / "f", "data.aws_db_instance.s.address", 'data "aws_db_instance" "s" {}\n') == Ref(
        "data.aws_db_instance.s", "address"
    )


def test_jsonencode_of_symbolic_keeps_the_structure(tmp_path):
    extra = 'resource "aws_ecr_repository" "r" {}\n'
    v = ev(tmp_path, 'jsonencode([{ image = aws_ecr_repository.r.repository_url }])', extra)
    assert isinstance(v, JsonEncoded)
    assert v.value == [{"image": Ref("aws_ecr_repository.r", "repository_url")}]


def test_operations_on_symbolic_values_are_unknown(tmp_path):
    extra = 'resource "aws_lb" "x" {}\n'
    assert isinstance(ev(tmp_path / "a", "upper(aws_lb.x.dns_name)", extra), Unknown)
    assert isinstance(ev(tmp_path / "b", 'aws_lb.x.dns_name == "a" ? 1 : 2', extra), Unknown)
    assert isinstance(ev(tmp_path / "c", "templatefile(\"x.tpl\", {})"), Unknown)


def test_count_and_for_each_addresses(tmp_path):
    root = _root(
        tmp_path,
        {
            "main.tf": """
            module "p" {
              source = "./projects/civic-tech-jobs"
            }
            """,
            "projects/civic-tech-jobs/main.tf": """
            resource "aws_ecr_repository" "r" {
              for_each = toset(["civic-tech-jobs-frontend", "civic-tech-jobs-backend"])
              name     = each.key
            }
            resource "aws_secretsmanager_secret" "s" {
              count = 2
              name  = "s-${count.index}"
            }
            module "remote" {
              source = "git::https://example.com/mod.git"
            }
            resource "aws_ecr_repository" "uses_remote" {
              name = module.remote.name
            }
            """,
        },
    )
    loaded = load_hcl(root, DEFAULT)
    dep = loaded.deployment
    assert loaded.info.scope == "module.p" and loaded.info.kind == "hcl"
    addrs = {r.address: r for r in dep.ecr_repositories}
    assert addrs['module.p.aws_ecr_repository.r["civic-tech-jobs-backend"]'].name == "civic-tech-jobs-backend"
    assert 'module.p.aws_ecr_repository.r["civic-tech-jobs-frontend"]' in addrs
    assert isinstance(addrs["module.p.aws_ecr_repository.uses_remote"].name, Unknown)  # remote module: unknown
    assert [s.name for s in dep.secrets] == ["s-0", "s-1"]
    assert [s.address for s in dep.secrets] == ["module.p.aws_secretsmanager_secret.s[0]", "module.p.aws_secretsmanager_secret.s[1]"]
    assert any("not local" in n for n in dep.notes)


def test_variables_defaults_var_files_and_cli(tmp_path):
    root = _root(
        tmp_path,
        {
            "main.tf": """
            variable "name" {
              default = "from-default"
            }
            variable "port" {
              type = number
            }
            variable "tags" {
              type    = list(string)
              default = []
            }
            resource "aws_lb_target_group" "t" {
              name = var.name
              port = var.port
              tags = var.tags
            }
            """,
            "stage.tfvars": 'name = "from-file"\nport = 8000\n',
        },
    )
    tg = load_hcl(root, DEFAULT).deployment.target_groups[0]
    assert tg.name == "from-default" and isinstance(tg.port, Unknown)
    tg = load_hcl(root, DEFAULT, var_files=[root / "stage.tfvars"]).deployment.target_groups[0]
    assert (tg.name, tg.port) == ("from-file", 8000)
    tg = load_hcl(root, DEFAULT, variables={"port": "3000", "name": "cli"}, var_files=[root / "stage.tfvars"]).deployment.target_groups[0]
    assert (tg.name, tg.port) == ("cli", 3000)
    with pytest.raises(InputError, match="no variable 'nope'"):
        load_hcl(root, DEFAULT, variables={"nope": "1"})


def test_sensitive_variable_values_are_redacted(tmp_path):
    root = _root(
        tmp_path,
        {
            "main.tf": """
            variable "db_password" {
              type      = string
              sensitive = true
              default   = "hunter2-very-secret"
            }
            resource "aws_ecs_task_definition" "t" {
              family                = "f"
              container_definitions = jsonencode([{ name = "django", image = "x", environment = [{ name = "PW_HINT", value = var.db_password }] }])
            }
            """
        },
    )
    out = run_cli("check", str(root), "--format", "json")
    assert out.returncode in (0, 1), out.stderr  # a run that failed early would print nothing, secret or not
    assert json.loads(out.stdout)["results"]
    assert b"hunter2-very-secret" not in out.stdout + out.stderr
    dep = load_hcl(root, DEFAULT).deployment
    assert "hunter2-very-secret" in dep.redact
    env = dep.task_definitions[0].containers[0].environment[0]
    assert env.sensitive is True


def test_locations_innermost_block_plus_call_sites():
    dep = load_hcl(TERRAFORM / "stage1", DEFAULT).deployment
    td = dep.task_definitions[0]
    assert td.address == "module.civic-tech-jobs.module.civic_tech_jobs_stage_service.aws_ecs_task_definition.task"
    assert td.location.file.endswith("stage1/modules/multi-container-service/main.tf")
    text = Path(td.location.file).read_text().splitlines() if Path(td.location.file).exists() else None
    if text:
        assert text[td.location.line - 1].startswith('resource "aws_ecs_task_definition" "task"')
    assert td.location.call_site.file.endswith("projects/civic-tech-jobs/environment-stage.tf")
    assert td.location.call_site.call_site.file.endswith("stage1/main.tf")
    assert td.location.call_site.call_site.call_site is None
    for res in dep.all_resources():
        assert res.location is not None and res.location.line > 0, res.address


def test_scope_auto_root_and_explicit():
    assert load_hcl(TERRAFORM / "stage1", DEFAULT).info.scope == "module.civic-tech-jobs"
    assert load_hcl(TERRAFORM / "stage1" / "projects" / "civic-tech-jobs", DEFAULT).info.scope == ""
    whole = load_hcl(TERRAFORM / "stage1", DEFAULT, scope="root").deployment
    assert any(d.address == "aws_db_instance.default" for d in whole.databases)
    scoped = load_hcl(TERRAFORM / "stage1", DEFAULT).deployment
    assert not any(not r.address.startswith("module.civic-tech-jobs.") for r in scoped.all_resources())
    assert load_hcl(TERRAFORM / "stage1", DEFAULT, scope="module.vrms").info.scope == "module.vrms"
    with pytest.raises(InputError, match="no such local module"):
        load_hcl(TERRAFORM / "stage1", DEFAULT, scope="module.nope")


@pytest.mark.parametrize(
    "text, where",
    [
        ('resource "a" "b" {\n  x = \n}\n', "main.tf:2"),
        ('resource "a" "b" {\n  x = "unterminated\n}\n', "main.tf:2"),
        ("locals {\n", "main.tf:"),
    ],
)
def test_syntax_errors_are_one_line_input_errors(tmp_path, text, where):
    (tmp_path / "main.tf").write_text(text)
    with pytest.raises(InputError) as info:
        load_hcl(tmp_path, DEFAULT)
    assert where in str(info.value) and "\n" not in str(info.value)
    out = run_cli("check", str(tmp_path))
    assert out.returncode == 2 and b"Traceback" not in out.stderr and b"syntax error" in out.stderr


def test_empty_directory_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no .tf files"):
        load_hcl(tmp_path, DEFAULT)


def test_missing_local_module_is_unknown_not_a_crash(tmp_path):
    root = _root(tmp_path, {"main.tf": 'module "m" {\n  source = "./nope"\n}\nresource "aws_ecr_repository" "r" {\n  name = module.m.x\n}\n'})
    dep = load_hcl(root, DEFAULT).deployment
    assert isinstance(dep.ecr_repositories[0].name, Unknown)


def _loaded(tmp_path: Path, files: dict[str, str], **kw):
    return load_hcl(_root(tmp_path, files), DEFAULT, **kw)


# --------------------------------------------------------------------------
# issue 13, point 6: module calls whose source cannot be read are in the model
# --------------------------------------------------------------------------


def test_unreadable_module_sources_are_listed_in_the_model(tmp_path):
    dep = _loaded(
        tmp_path,
        {
            "main.tf": """
            module "git" {
              source = "git::https://deploy:s3cr3t-token@example.com/mods.git//db"
            }
            module "registry" {
              source  = "terraform-aws-modules/rds/aws"
              version = "6.0.0"
            }
            module "missing" {
              source = "./nope"
            }
            module "local" {
              source = "./here"
            }
            """,
            "here/main.tf": 'resource "aws_ecr_repository" "r" {\n  name = "x"\n}\n',
        },
    ).deployment
    found = {m.address: m for m in dep.unevaluated_modules}
    assert sorted(found) == ["module.git", "module.missing", "module.registry"]
    assert "not local" in found["module.git"].reason
    assert "registry" in found["module.registry"].reason
    assert "does not exist" in found["module.missing"].reason
    assert found["module.git"].location.file.endswith("main.tf") and found["module.git"].location.line == 2
    for m in found.values():
        assert any(n.startswith(m.address + ":") and "not checked" in n for n in dep.notes)
    # credentials in a source URL are never shown, and redacted wherever else they appear
    assert "s3cr3t-token" not in found["module.git"].source + found["module.git"].reason + " ".join(dep.notes)
    assert "deploy:s3cr3t-token" in dep.redact


def test_unreadable_module_source_note_reaches_the_output(tmp_path):
    root = _root(tmp_path, {"main.tf": 'module "db" {\n  source = "git::https://example.com/db.git"\n}\n'})
    out = run_cli("check", str(root), "--format", "json")
    assert out.returncode in (0, 1), out.stderr
    assert load_hcl(root, DEFAULT).deployment.unevaluated_modules[0].address == "module.db"


# --------------------------------------------------------------------------
# issue 13, point 8: module cycles, which Terraform rejects
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "files",
    [
        {"main.tf": 'module "me" {\n  source = "./"\n}\n'},
        {"main.tf": 'module "me" {\n  source = "."\n}\n'},
        {
            "main.tf": 'module "a" {\n  source = "./a"\n}\n',
            "a/main.tf": 'module "b" {\n  source = "../b"\n}\n',
            "b/main.tf": 'module "a" {\n  source = "../a"\n}\n',
        },
        {
            "main.tf": 'module "civic-tech-jobs" {\n  source = "./projects/civic-tech-jobs"\n}\n',
            "projects/civic-tech-jobs/main.tf": 'module "self" {\n  source = "./"\n}\n',
        },
    ],
    ids=["./", ".", "A-B-A", "self-calling CTJ project"],
)
def test_module_cycles_are_one_line_input_errors(tmp_path, files):
    root = _root(tmp_path, files)
    with pytest.raises(InputError, match="module cycle"):
        load_hcl(root, DEFAULT)
    out = run_cli("check", str(root))
    assert out.returncode == 2 and len(out.stderr.splitlines()) == 1 and b"module cycle" in out.stderr


def test_module_cycle_through_a_symlink(tmp_path):
    _root(tmp_path, {"main.tf": 'module "me" {\n  source = "./link"\n}\n'})
    (tmp_path / "link").symlink_to(".")
    with pytest.raises(InputError, match="module cycle"):
        load_hcl(tmp_path, DEFAULT)


def test_the_same_module_called_twice_is_no_cycle(tmp_path):
    dep = _loaded(
        tmp_path,
        {
            "main.tf": 'module "a" {\n  source = "./m"\n}\nmodule "b" {\n  source = "./m"\n}\n',
            "m/main.tf": 'resource "aws_ecr_repository" "r" {\n  name = "x"\n}\n',
        },
    ).deployment
    assert sorted(r.address for r in dep.ecr_repositories) == ["module.a.aws_ecr_repository.r", "module.b.aws_ecr_repository.r"]


# --------------------------------------------------------------------------
# issue 13, point 12: a heredoc line is text, not an inline waiver
# --------------------------------------------------------------------------


def test_heredoc_line_is_not_a_waiver(tmp_path):
    files = {
        "main.tf": """
        resource "aws_ecs_service" "s" {
          name          = "s"
          desired_count = 2
          tags = {
            note = <<EOT
        # ctj-policy:ignore CTJ026 reason="only text inside a heredoc"
        EOT
          }
        }
        # ctj-policy:ignore CTJ002 reason="a real waiver, below the heredoc"
        resource "aws_ecr_repository" "r" {
          name = "x"
        }
        """
    }
    dep = _loaded(tmp_path, files).deployment
    assert [(w.rule, w.origin.rsplit("/", 1)[-1]) for w in dep.waivers] == [("CTJ002", "main.tf:11")]


# --------------------------------------------------------------------------
# issue 11: TF_VAR_ environment variables, as Terraform reads them
# --------------------------------------------------------------------------

_VAR_ROOT = {
    "main.tf": """
    variable "name" {
      type = string
    }
    variable "ports" {
      type = list(number)
    }
    resource "aws_lb_target_group" "t" {
      name = var.name
      port = var.ports[0]
    }
    """,
}


def test_tf_var_environment_values_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_VAR_name", "from-env")
    monkeypatch.setenv("TF_VAR_ports", "[8000, 3000]")
    monkeypatch.setenv("TF_VAR_undeclared", "ignored, as Terraform does")
    tg = _loaded(tmp_path, _VAR_ROOT).deployment.target_groups[0]
    assert (tg.name, tg.port) == ("from-env", 8000)


def test_tf_var_has_the_lowest_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_VAR_name", "from-env")
    monkeypatch.setenv("TF_VAR_ports", "[1]")
    files = {**_VAR_ROOT, "terraform.tfvars": 'name = "from-tfvars"\n', "x.tfvars": "ports = [2]\n"}
    tg = _loaded(tmp_path / "a", files).deployment.target_groups[0]
    assert (tg.name, tg.port) == ("from-tfvars", 1)
    tg = _loaded(tmp_path / "b", files, var_files=[tmp_path / "b" / "x.tfvars"]).deployment.target_groups[0]
    assert (tg.name, tg.port) == ("from-tfvars", 2)
    tg = _loaded(tmp_path / "c", files, variables={"name": "cli"}).deployment.target_groups[0]
    assert tg.name == "cli"


def test_tf_var_syntax_error_names_the_variable_not_its_value(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_VAR_ports", "[1, hunter2-secret")
    with pytest.raises(InputError) as info:
        _loaded(tmp_path, _VAR_ROOT)
    assert "TF_VAR_ports" in str(info.value) and "hunter2" not in str(info.value)


def test_secret_looking_variable_values_from_the_user_are_redacted(tmp_path):
    root = _root(
        tmp_path,
        {
            "main.tf": """
            variable "db_password" {
              type = string
            }
            variable "api_token" {
              type = string
            }
            resource "aws_ecs_task_definition" "t" {
              family                = "f"
              container_definitions = jsonencode([{ name = "django", image = "r-${var.db_password}/x:${var.api_token}", environment = [
                { name = "HINT", value = var.db_password },
                { name = "OTHER", value = var.api_token },
              ] }])
            }
            """,
            "terraform.tfvars": 'api_token = "tfvars-secret-9876"\n',
        },
    )
    env = {"TF_VAR_db_password": "env-secret-12345"}
    for fmt in ("json", "text"):
        out = run_cli("check", str(root), "--format", fmt, env=env)
        assert out.returncode == 1, out.stderr
        # the finding that would print the values is there (CTJ004 quotes the image, which holds both):
        # redaction is what keeps them out
        assert b"image 'r-(redacted)/x:(redacted)' is not from the ECR repository" in out.stdout, out.stdout
        assert b"env-secret-12345" not in out.stdout + out.stderr
        assert b"tfvars-secret-9876" not in out.stdout + out.stderr
    import os

    old = os.environ.get("TF_VAR_db_password")
    os.environ["TF_VAR_db_password"] = "env-secret-12345"
    try:
        dep = load_hcl(root, DEFAULT).deployment
    finally:
        if old is None:
            del os.environ["TF_VAR_db_password"]
        else:
            os.environ["TF_VAR_db_password"] = old
    assert {"env-secret-12345", "tfvars-secret-9876"} <= dep.redact


# --------------------------------------------------------------------------
# issue 13, points 9-11 in process (the subprocess cases are tests/adversarial/test_hcl_hostile.py)
# --------------------------------------------------------------------------


def test_catastrophic_regex_returns_at_once(tmp_path):
    import time

    start = time.perf_counter()
    v = ev(tmp_path, f'regex("^(a+)+$", "{"a" * 50_000}b")')
    assert time.perf_counter() - start < 5
    assert isinstance(v, Unknown) and "no match" in v.detail


@pytest.mark.parametrize(
    "expr, phrase",
    [
        ("range(1e12)", "limit"),
        ("[" * 300 + "]" * 300, "nested deeper"),
        ('format("%0999999999d", 1)', "limit"),
    ],
)
def test_limits_are_input_errors_that_try_does_not_hide(tmp_path, expr, phrase):
    with pytest.raises(InputError, match=phrase):
        ev(tmp_path / "a", expr)
    with pytest.raises(InputError, match=phrase):
        ev(tmp_path / "b", f"try({expr}, 1)")


def test_count_over_the_limit_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"main.tf:2: aws_ecr_repository.r: count = 100,000,000, over the limit"):
        _loaded(tmp_path, {"main.tf": 'resource "aws_ecr_repository" "r" {\n  count = 100000000\n  name = "x"\n}\n'})
