"""The plan loader: input handling, scope, the after-apply view, reference resolution."""

from __future__ import annotations

import codecs
import json
import zipfile

import pytest

from conftest import CORPUS, CORPUS_FILES, PLANS, run_cli
from ctj_policy.config import DEFAULT, config_from_table
from ctj_policy.loaders import InputError
from ctj_policy.loaders.plan import build, load_plan
from ctj_policy.loaders.references import parse_traversal, split_address
from ctj_policy.model import KNOWN_AFTER_APPLY, Ref, Unknown

PLAN_FIXTURES = sorted(p for p in PLANS.glob("*.json") if p.name != "expected.json")  # expected.json: verdicts


# ---------------------------------------------------------------- a tiny plan


def _rc(address, rtype, after, unknown=None, sensitive=None, actions=("no-op",), mode="managed"):
    modules, res = split_address(address)
    rc = {
        "address": address,
        "mode": mode,
        "type": rtype,
        "name": res.split(".")[-1].split("[")[0],
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {
            "actions": list(actions),
            "before": None if "create" in actions else after,
            "after": after,
            "after_unknown": unknown or {},
            "before_sensitive": False,
            "after_sensitive": sensitive or {},
        },
    }
    if modules:  # Terraform omits module_address for root resources
        rc["module_address"] = ".".join(f"module.{n}{i}" for n, i in modules)
    return rc


def _plan(resource_changes, root_module, variables=None):
    return {
        "format_version": "1.2",
        "terraform_version": "1.12.2",
        "variables": variables or {},
        "planned_values": {"root_module": {}},
        "resource_changes": resource_changes,
        "configuration": {"root_module": root_module},
    }


def _svc_module():
    """module.app: a service whose load_balancer points at var.target_group_arn."""
    return {
        "resources": [
            {
                "address": "aws_ecs_service.this",
                "mode": "managed",
                "type": "aws_ecs_service",
                "name": "this",
                "expressions": {
                    "task_definition": {"references": ["aws_ecs_task_definition.task.arn", "aws_ecs_task_definition.task"]},
                    "load_balancer": [
                        {
                            "container_name": {"constant_value": "nextjs"},
                            "container_port": {"constant_value": 3000},
                            "target_group_arn": {"references": ["var.frontend_tg"]},
                        },
                        {
                            "container_name": {"constant_value": "django"},
                            "container_port": {"constant_value": 8000},
                            "target_group_arn": {"references": ["var.backend_tg"]},
                        },
                    ],
                },
            },
            {
                "address": "aws_ecs_task_definition.task",
                "mode": "managed",
                "type": "aws_ecs_task_definition",
                "name": "task",
                "expressions": {"family": {"constant_value": "ctj"}, "container_definitions": {"references": ["var.containers"]}},
            },
        ],
        "variables": {"frontend_tg": {}, "backend_tg": {}, "containers": {}},
    }


def _lb_module():
    return {
        "resources": [
            {"address": "aws_lb_target_group.backend", "mode": "managed", "type": "aws_lb_target_group", "name": "backend", "expressions": {"port": {"constant_value": 8000}}},
            {"address": "aws_lb_target_group.frontend", "mode": "managed", "type": "aws_lb_target_group", "name": "frontend", "expressions": {"port": {"constant_value": 3000}}},
        ],
        "outputs": {
            "backend_arn": {"expression": {"references": ["aws_lb_target_group.backend.arn", "aws_lb_target_group.backend"]}},
            "frontend_arn": {"expression": {"references": ["aws_lb_target_group.frontend.arn", "aws_lb_target_group.frontend"]}},
        },
    }


def _nested_plan():
    """root -> module.civic-tech-jobs (projects/civic-tech-jobs) -> module.app + module.lb."""
    project = {
        "module_calls": {
            "app": {
                "source": "../../modules/app",
                "expressions": {
                    "frontend_tg": {"references": ["module.lb.frontend_arn", "module.lb"]},
                    "backend_tg": {"references": ["module.lb.backend_arn", "module.lb"]},
                },
                "module": _svc_module(),
            },
            "lb": {"source": "../../modules/lb", "expressions": {}, "module": _lb_module()},
        }
    }
    root = {
        "resources": [
            {"address": "aws_db_instance.default", "mode": "managed", "type": "aws_db_instance", "name": "default", "expressions": {}},
        ],
        "module_calls": {
            "civic-tech-jobs": {"source": "./projects/civic-tech-jobs", "expressions": {}, "module": project},
            "vrms": {"source": "./projects/vrms", "expressions": {}, "module": {"resources": []}},
        },
    }
    p = "module.civic-tech-jobs"
    lb_after = lambda port: {"port": port, "target_type": "ip", "name": f"tg{port}"}  # noqa: E731
    changes = [
        _rc("aws_db_instance.default", "aws_db_instance", {"identifier": "incubator-prod-database", "engine": "postgres"}),
        _rc(f"{p}.module.lb.aws_lb_target_group.backend", "aws_lb_target_group", lb_after(8000), {"arn": True, "id": True}, actions=("create",)),
        _rc(f"{p}.module.lb.aws_lb_target_group.frontend", "aws_lb_target_group", lb_after(3000), {"arn": True, "id": True}, actions=("create",)),
        _rc(
            f"{p}.module.app.aws_ecs_service.this",
            "aws_ecs_service",
            {
                "name": "ctj",
                "desired_count": 1,
                # a set: the plan orders the blocks differently from the source
                "load_balancer": [
                    {"container_name": "django", "container_port": 8000},
                    {"container_name": "nextjs", "container_port": 3000},
                ],
            },
            {"task_definition": True, "load_balancer": [{"target_group_arn": True}, {"target_group_arn": True}]},
            actions=("create",),
        ),
        _rc(
            f"{p}.module.app.aws_ecs_task_definition.task",
            "aws_ecs_task_definition",
            {"family": "ctj"},
            {"container_definitions": True, "arn": True, "network_mode": True},
            actions=("create",),
        ),
        _rc(
            "module.vrms.aws_ecs_service.vrms",
            "aws_ecs_service",
            {"name": "vrms", "desired_count": 3, "load_balancer": []},
        ),
        _rc(f"{p}.aws_ecr_repository.old", "aws_ecr_repository", None, actions=("delete",)),
    ]
    return _plan(changes, root)


def test_scope_auto_finds_the_project_module_and_ignores_the_rest():
    loaded = build(_nested_plan(), DEFAULT)
    dep = loaded.deployment
    assert loaded.info.scope == "module.civic-tech-jobs"
    assert [s.address for s in dep.services] == ["module.civic-tech-jobs.module.app.aws_ecs_service.this"]
    assert dep.databases == []  # the shared root RDS is not CTJ's
    assert dep.ecr_repositories == []  # deleted resources do not count


def test_scope_root_takes_the_whole_plan():
    dep = build(_nested_plan(), DEFAULT, scope="root").deployment
    assert {s.name for s in dep.services} == {"ctj", "vrms"}
    assert [d.address for d in dep.databases] == ["aws_db_instance.default"]


def test_scope_override_must_name_a_module():
    with pytest.raises(InputError, match="no such module call"):
        build(_nested_plan(), DEFAULT, scope="module.nope")
    with pytest.raises(InputError, match="expected auto, root"):
        build(_nested_plan(), DEFAULT, scope="civic-tech-jobs")


def test_unknown_target_group_resolves_through_var_and_module_output():
    dep = build(_nested_plan(), DEFAULT).deployment
    svc = dep.services[0]
    by_container = {lb.container_name: lb.target_group for lb in svc.load_balancers}
    assert by_container == {
        "django": Ref("module.civic-tech-jobs.module.lb.aws_lb_target_group.backend", "arn"),
        "nextjs": Ref("module.civic-tech-jobs.module.lb.aws_lb_target_group.frontend", "arn"),
    }
    backend = dep.resolve(by_container["django"], dep.target_groups)
    assert backend.address.endswith("aws_lb_target_group.backend")
    assert svc.task_definition == Ref("module.civic-tech-jobs.module.app.aws_ecs_task_definition.task", "arn")


def test_unknown_container_definitions_is_unknown_with_a_hint():
    td = build(_nested_plan(), DEFAULT).deployment.task_definitions[0]
    assert isinstance(td.containers, Unknown)
    assert td.containers.reason == KNOWN_AFTER_APPLY
    assert "--source-dir" in td.containers.detail
    # not set in the configuration and computed by the provider: unset (bridge)
    assert td.network_mode is None


def test_sensitive_values_are_collected_for_redaction():
    secret = "Zq8vN3kP0wXy7LmR"
    plan = _nested_plan()
    plan["resource_changes"].append(
        _rc(
            "random_password.x",
            "random_password",
            {"length": 16, "result": secret},
            sensitive={"result": True},
        )
    )
    plan["resource_changes"].append(
        _rc(
            "module.civic-tech-jobs.aws_secretsmanager_secret_version.db",
            "aws_secretsmanager_secret_version",
            {"secret_string": json.dumps({"password": "pw-" + secret[::-1]})},
            sensitive={"secret_string": True},
        )
    )
    dep = build(plan, DEFAULT).deployment
    assert secret in dep.redact
    assert "pw-" + secret[::-1] in dep.redact


def test_container_definitions_parsed_and_secret_env_values_redacted():
    plan = _nested_plan()
    td = plan["resource_changes"][4]["change"]
    containers = [
        {"name": "django", "image": "x/civic-tech-jobs-backend:stage", "environment": [{"name": "SECRET_KEY", "value": "s3cr3t-value-1234"}]},
    ]
    td["after"]["container_definitions"] = json.dumps(containers, sort_keys=True)
    td["after_unknown"] = {"arn": True}
    dep = build(plan, DEFAULT).deployment
    (container,) = dep.task_definitions[0].containers
    assert container.env("SECRET_KEY").value == "s3cr3t-value-1234"
    assert "s3cr3t-value-1234" in dep.redact


def test_pascal_case_container_keys_are_tolerated():
    plan = _nested_plan()
    td = plan["resource_changes"][4]["change"]
    td["after"]["container_definitions"] = json.dumps(
        [{"Name": "postgres", "Image": "postgres:18", "PortMappings": [{"ContainerPort": 5432}], "MountPoints": [{"SourceVolume": "pg", "ContainerPath": "/var/lib/postgresql/data"}]}]
    )
    td["after_unknown"] = {}
    (container,) = build(plan, DEFAULT).deployment.task_definitions[0].containers
    assert container.name == "postgres"
    assert container.port_mappings[0].container_port == 5432
    assert container.mount_points[0].container_path == "/var/lib/postgresql/data"


def test_nested_project_module_at_any_depth():
    plan = _nested_plan()
    root = plan["configuration"]["root_module"]
    root["module_calls"] = {"org": {"source": "./org", "expressions": {}, "module": {"module_calls": {"civic-tech-jobs": root["module_calls"]["civic-tech-jobs"]}}}}
    for rc in plan["resource_changes"]:
        if rc["address"].startswith("module.civic-tech-jobs"):
            rc["address"] = "module.org." + rc["address"]
    loaded = build(plan, DEFAULT)
    assert loaded.info.scope == "module.org.module.civic-tech-jobs"
    svc = loaded.deployment.services[0]
    assert {lb.target_group.address for lb in svc.load_balancers} == {
        "module.org.module.civic-tech-jobs.module.lb.aws_lb_target_group.backend",
        "module.org.module.civic-tech-jobs.module.lb.aws_lb_target_group.frontend",
    }


def test_configured_project_path_changes_the_scope():
    cfg = config_from_table({"project-source-suffix": "projects/vrms"})
    assert build(_nested_plan(), cfg).info.scope == "module.vrms"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("module.a.b", [("module", ""), ("a", ""), ("b", "")]),
        ('module.a["x.y"].out', [("module", ""), ("a", '["x.y"]'), ("out", "")]),
        ("aws_lb_target_group.tg[0].arn", [("aws_lb_target_group", ""), ("tg", "[0]"), ("arn", "")]),
        ("module.civic-tech-jobs.aws_x.y", [("module", ""), ("civic-tech-jobs", ""), ("aws_x", ""), ("y", "")]),
    ],
)
def test_parse_traversal(text, expected):
    assert parse_traversal(text) == expected


# ---------------------------------------------------------------- the corpus


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name[:80] for p in CORPUS_FILES])
def test_every_corpus_plan_loads(path):
    loaded = load_plan(str(path), DEFAULT)
    assert loaded.info.kind == "plan"
    assert loaded.info.format_version


@pytest.mark.shared("corpus")
def test_corpus_is_present():
    assert len(CORPUS_FILES) >= 20, f"expected the shared corpus at {CORPUS}"


# ---------------------------------------------------------------- bad input


def _write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def _zip_plan(tmp_path):
    p = tmp_path / "tfplan"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("tfplan", b"binary")
    return str(p)


BAD_INPUTS = {
    "empty": (b"", "empty input"),
    "whitespace": (b"  \n", "empty input"),
    "truncated": (b'{"format_version": "1.2", "planned_values": {', "looks truncated"),
    "array": (b"[]", "a JSON array"),
    "number": (b"42", "not a Terraform plan"),
    "state": (json.dumps({"format_version": "1.0", "terraform_version": "1.12.2", "values": {"root_module": {}}}).encode(), "state JSON"),
    "other-object": (b'{"hello": "world"}', "not a Terraform plan"),
    "bad-format-version": (b'{"format_version": "two", "planned_values": {}}', "format_version"),
    "resource-changes-not-array": (b'{"format_version": "1.2", "resource_changes": {}}', "expected array"),
    "undecodable": (b'{"format_version": "1.2", "x": "\xff\xfe\xfa"}', "not UTF-8"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_one_line_input_error(tmp_path, name):
    data, fragment = BAD_INPUTS[name]
    path = _write(tmp_path, name + ".json", data)
    with pytest.raises(InputError) as info:
        load_plan(path, DEFAULT)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_binary_plan_file_is_explained(tmp_path):
    with pytest.raises(InputError, match="binary plan file"):
        load_plan(_zip_plan(tmp_path), DEFAULT)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_plan(str(tmp_path / "nope.json"), DEFAULT)


@pytest.mark.parametrize("bom, encoding", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF8, "utf-8")])
def test_byte_order_marks_load(tmp_path, bom, encoding):
    text = json.dumps(_nested_plan())
    path = _write(tmp_path, "plan.json", bom + text.encode(encoding))
    assert load_plan(path, DEFAULT).info.scope == "module.civic-tech-jobs"


def test_schema_errors_never_echo_values(tmp_path):
    secret = "hunter2-very-secret"
    doc = {"format_version": "1.2", "resource_changes": [{"address": "module.civic-tech-jobs.aws_x.y", "type": "aws_x", "change": secret}],
           "configuration": {"root_module": {"module_calls": {"civic-tech-jobs": {"source": "./projects/civic-tech-jobs", "module": {}}}}}}
    path = _write(tmp_path, "p.json", json.dumps(doc).encode())
    with pytest.raises(InputError) as info:
        load_plan(path, DEFAULT)
    assert secret not in str(info.value)


@pytest.mark.parametrize("name", ["empty", "truncated", "array", "state", "undecodable"])
def test_cli_bad_input_exit_2_one_line(tmp_path, name):
    data, fragment = BAD_INPUTS[name]
    path = _write(tmp_path, name + ".json", data)
    proc = run_cli("check", path)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.decode()
    assert fragment in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert proc.stdout == b""


def test_cli_binary_plan_exit_2(tmp_path):
    proc = run_cli("check", _zip_plan(tmp_path))
    assert proc.returncode == 2
    assert b"binary plan file" in proc.stderr


def test_cli_reads_stdin():
    proc = run_cli("check", "-", "--format", "json", input=json.dumps(_nested_plan()).encode())
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    assert report["input"]["scope"] == "module.civic-tech-jobs"


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name[:80] for p in CORPUS_FILES])
def test_cli_on_corpus_never_exits_2(path):
    proc = run_cli("check", str(path), "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert b"Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "path",
    CORPUS_FILES + PLAN_FIXTURES,
    ids=[p.name[:80] for p in CORPUS_FILES + PLAN_FIXTURES],
)
def test_streamed_load_equals_whole_document_build(path):
    """load_plan decodes resource_changes entry by entry; the model must not change."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    streamed = load_plan(str(path), DEFAULT)
    whole = build(doc, DEFAULT, name=str(path))
    assert streamed.info == whole.info
    assert streamed.deployment == whole.deployment


def test_planned_values_only_sensitive_value_marks_env_regardless_of_order():
    """A plan without resource_changes: a value planned_values marks sensitive in a
    resource listed AFTER the task definition still makes the env value sensitive."""
    value = "Pq7xR2mK9vLw4TzB"
    containers = [{"name": "web", "image": "x/web:1", "environment": [{"name": "GREETING", "value": value}]}]
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.12.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {"address": "aws_ecs_task_definition.t", "mode": "managed", "type": "aws_ecs_task_definition", "name": "t",
                     "values": {"family": "t", "container_definitions": json.dumps(containers)}, "sensitive_values": {}},
                    {"address": "random_password.p", "mode": "managed", "type": "random_password", "name": "p",
                     "values": {"result": value}, "sensitive_values": {"result": True}},
                ]
            }
        },
        "configuration": {"root_module": {}},
    }
    dep = build(plan, DEFAULT).deployment
    (container,) = dep.task_definitions[0].containers
    assert container.env("GREETING").sensitive is True
    assert value in dep.redact


@pytest.mark.parametrize("path", PLAN_FIXTURES, ids=[p.name for p in PLAN_FIXTURES])
def test_unvalidated_load_equals_validated_load(path):
    """load_plan(validate=False) (the Checkov adapter's, no jsonschema) builds the same model."""
    assert load_plan(str(path), DEFAULT, validate=False) == load_plan(str(path), DEFAULT)


def test_reference_without_instance_key_is_ambiguous_among_instances():
    from ctj_policy.model import Deployment, TargetGroup

    dep = Deployment(
        target_groups=[
            TargetGroup('module.m.aws_lb_target_group.this["api"]', arn=Ref('module.m.aws_lb_target_group.this["api"]', "arn")),
            TargetGroup('module.m.aws_lb_target_group.this["web"]', arn=Ref('module.m.aws_lb_target_group.this["web"]', "arn")),
        ]
    )
    ambiguous = dep.resolve(Ref("module.m.aws_lb_target_group.this", "arn"), dep.target_groups)
    assert isinstance(ambiguous, Unknown)
    exact = dep.resolve(Ref('module.m.aws_lb_target_group.this["web"]', "arn"), dep.target_groups)
    assert exact is dep.target_groups[1]


def test_set_blocks_are_matched_through_variables_not_position():
    """load_balancer blocks whose container_name comes from module variables."""
    plan = _nested_plan()
    app = plan["configuration"]["root_module"]["module_calls"]["civic-tech-jobs"]["module"]["module_calls"]["app"]
    lbs = app["module"]["resources"][0]["expressions"]["load_balancer"]
    lbs[0]["container_name"] = {"references": ["var.frontend_name"]}
    lbs[1]["container_name"] = {"references": ["var.backend_name"]}
    app["expressions"]["frontend_name"] = {"constant_value": "nextjs"}
    app["expressions"]["backend_name"] = {"constant_value": "django"}
    dep = build(plan, DEFAULT).deployment
    by_container = {lb.container_name: lb.target_group.address for lb in dep.services[0].load_balancers}
    assert by_container["django"].endswith("aws_lb_target_group.backend")
    assert by_container["nextjs"].endswith("aws_lb_target_group.frontend")


# ------------------------------------------------ hostile inputs (issue 13 points 10-11, SPEC 9)


def test_an_integer_longer_than_python_converts_is_an_input_error(tmp_path):
    doc = _nested_plan()
    text = json.dumps(doc).replace('"format_version": "1.2"', '"format_version": "1.2", "x": ' + "8" * 5000, 1)
    path = _write(tmp_path, "plan.json", text.encode())
    with pytest.raises(InputError) as info:
        load_plan(path, DEFAULT)
    message = str(info.value)
    assert "has 5000 digits" in message and "line 1 column" in message and "8888" not in message


def test_an_integer_at_the_limit_still_loads(tmp_path):
    at_limit = '"format_version": "1.2", "x": ' + "8" * 4300
    text = json.dumps(_nested_plan()).replace('"format_version": "1.2"', at_limit, 1)
    assert load_plan(_write(tmp_path, "plan.json", text.encode()), DEFAULT).info.scope == "module.civic-tech-jobs"


def test_a_plan_nested_too_deeply_is_an_input_error(tmp_path):
    path = _write(tmp_path, "plan.json", b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(InputError, match="nested too deeply"):
        load_plan(path, DEFAULT)


@pytest.mark.skipif(not __import__("os").path.exists("/dev/zero"), reason="no /dev/zero on this system")
def test_dev_zero_is_refused_without_reading():
    with pytest.raises(InputError, match=r"^/dev/zero: a character device, not a file; .*give - as the path"):
        load_plan("/dev/zero", DEFAULT)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no FIFOs on this system")
def test_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    import os

    fifo = tmp_path / "plan.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="a FIFO"):
        load_plan(str(fifo), DEFAULT)


def test_input_size_limit_for_files_and_stdin(tmp_path, monkeypatch):
    import io
    import sys

    text = json.dumps(_nested_plan()).encode()
    padded = text + b" " * (1024 * 1024 + 1 - len(text))  # one byte over 1 MB
    path = _write(tmp_path, "plan.json", padded)
    monkeypatch.setenv("CTJ_POLICY_MAX_INPUT_MB", "1")
    with pytest.raises(InputError, match=r"plan.json: larger than 1 MB.*set CTJ_POLICY_MAX_INPUT_MB"):
        load_plan(path, DEFAULT)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(padded)))
    with pytest.raises(InputError, match="<stdin>: larger than 1 MB"):
        load_plan("-", DEFAULT)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(padded[:-1])))  # exactly 1 MB: fine
    assert load_plan("-", DEFAULT).info.path == "<stdin>"
    monkeypatch.setenv("CTJ_POLICY_MAX_INPUT_MB", "2")
    assert load_plan(path, DEFAULT).info.scope == "module.civic-tech-jobs"
    monkeypatch.setenv("CTJ_POLICY_MAX_INPUT_MB", "many")
    with pytest.raises(InputError, match="CTJ_POLICY_MAX_INPUT_MB must be a whole number"):
        load_plan(path, DEFAULT)


@pytest.mark.parametrize(
    "name, body, needle",
    [
        ("main.tf", b'resource "aws_s3_bucket" "b" {}\n',
         "main.tf: a Terraform source file, not a plan: to check the sources give their directory"),
        ("main.tf.json", b'{"resource": {"aws_s3_bucket": {"b": {}}}}', "a Terraform source file, not a plan"),
        ("stage.tfvars", b'env = "stage"\n',
         "a Terraform variables file, not a plan: give the directory of .tf files as PATH and this file with "
         "--var-file"),
        ("prod.tfvars.json", b'{"env": "prod"}', "a Terraform variables file"),
        (".terraform.lock.hcl", b'provider "x" {}\n', "an HCL file, not a plan"),
        ("empty.tf", b"", "a Terraform source file"),
    ],
)
def test_terraform_files_given_as_the_plan_get_advice(tmp_path, name, body, needle):
    path = _write(tmp_path, name, body)
    with pytest.raises(InputError) as info:
        load_plan(path, DEFAULT)
    assert needle in str(info.value) and "invalid JSON" not in str(info.value)
    assert f"({tmp_path})" in str(info.value) or "tfvars" in name


def test_a_plan_with_a_terraform_suffix_still_loads(tmp_path):
    # the hint replaces only the "not a plan" error: a real plan loads whatever its name
    path = _write(tmp_path, "odd-name.tf.json", json.dumps(_nested_plan()).encode())
    assert load_plan(path, DEFAULT).info.scope == "module.civic-tech-jobs"
