"""The text and JSON reporters: built from a Report, no Terraform involved."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from ctj_policy.model import InputInfo, Location, Report, Result
from ctj_policy.reporters import json_report, render, text

ADDR = "module.civic-tech-jobs.module.civic_tech_jobs_fullstack_stage_service.aws_ecs_task_definition.task"


def schema() -> dict:
    return json.loads(resources.files("ctj_policy").joinpath("schemas/report.schema.json").read_text("utf-8"))


def validate(doc: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(schema()).validate(doc)


def res(
    rule_id="CTJ001", status="fail", message="m", address=ADDR, severity="error", location=None, title=None
) -> Result:
    return Result(
        rule_id=rule_id,
        title=title or f"title of {rule_id}",
        severity=severity,
        status=status,
        message=message,
        address=address,
        location=location,
    )


def report(results, exit_code=1, kind="plan", scope="module.civic-tech-jobs") -> Report:
    info = InputInfo(
        kind=kind,
        path="plan.json" if kind == "plan" else "terraform",
        format_version="1.2" if kind == "plan" else None,
        terraform_version="1.12.2" if kind == "plan" else None,
        scope=scope,
    )
    return Report(tool_name="ctj-policy", tool_version="0.1.0", input=info, results=list(results), exit_code=exit_code)


MIXED = [
    res(
        "CTJ022",
        "fail",
        "SQL_HOST is 'db.example' expected localhost",
        location=Location("terraform/projects/civic-tech-jobs/environment-stage.tf", 42),
    ),
    res("CTJ003", "pass", "uses awsvpc"),
    res("CTJ001", "unknown", "container_definitions is known after apply", address=None),
    res("CTJ026", "waived", "desired_count 2 [waived: migration]"),
    res("CTJ027", "fail", "no healthCheck", severity="warning"),
    res("CTJ004", "pass", "repos ok", address=None),
]


# --------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------


def test_json_has_exactly_the_documented_shape():
    doc = json.loads(render("json", report(MIXED)))
    validate(doc)
    assert list(doc) == ["schema_version", "tool", "input", "summary", "results", "notes"]
    assert doc["notes"] == []
    assert doc["schema_version"] == 1
    assert doc["tool"] == {"name": "ctj-policy", "version": "0.1.0"}
    assert list(doc["input"]) == ["kind", "path", "format_version", "terraform_version", "scope"]
    assert doc["input"] == {
        "kind": "plan",
        "path": "plan.json",
        "format_version": "1.2",
        "terraform_version": "1.12.2",
        "scope": "module.civic-tech-jobs",
    }
    assert list(doc["summary"]) == ["pass", "fail", "unknown", "waived", "exit_code"]
    assert doc["summary"] == {"pass": 2, "fail": 2, "unknown": 1, "waived": 1, "exit_code": 1}
    for r in doc["results"]:
        assert list(r) == ["rule_id", "title", "severity", "status", "message", "address", "location"]
    by_rule = {r["rule_id"]: r for r in doc["results"]}
    assert by_rule["CTJ022"]["location"] == {
        "file": "terraform/projects/civic-tech-jobs/environment-stage.tf",
        "line": 42,
    }
    assert by_rule["CTJ003"]["location"] is None
    assert by_rule["CTJ001"]["address"] is None
    assert by_rule["CTJ027"]["severity"] == "warning"


def test_json_results_sorted_by_rule_address_message():
    results = [
        res("CTJ010", "fail", "b", address="module.b"),
        res("CTJ010", "fail", "a", address="module.b"),
        res("CTJ010", "fail", "z", address="module.a"),
        res("CTJ010", "fail", "y", address=None),
        res("CTJ002", "pass", "x"),
    ]
    doc = json.loads(render("json", report(results)))
    keys = [(r["rule_id"], r["address"] or "", r["message"]) for r in doc["results"]]
    assert keys == sorted(keys)
    assert keys[0][0] == "CTJ002" and keys[1] == ("CTJ010", "", "y")


def test_json_byte_identical_for_identical_input_whatever_the_order():
    a = render("json", report(MIXED))
    b = render("json", report(list(reversed(MIXED))))
    assert a == b
    assert a.endswith("}\n") and not a.endswith("\n\n")
    assert a.startswith('{\n  "schema_version": 1,\n')


def test_json_hcl_input_has_null_versions_and_empty_scope_is_whole_input():
    doc = json.loads(render("json", report([res("CTJ003", "pass")], exit_code=0, kind="hcl", scope="")))
    validate(doc)
    assert doc["input"]["kind"] == "hcl"
    assert doc["input"]["format_version"] is None and doc["input"]["terraform_version"] is None
    assert doc["input"]["scope"] == ""
    assert doc["summary"]["exit_code"] == 0


def test_json_empty_results_validate():
    doc = json.loads(render("json", report([], exit_code=0)))
    validate(doc)
    assert doc["results"] == [] and doc["summary"]["pass"] == 0


def test_json_keeps_unicode_readable_and_valid():
    out = render("json", report([res("CTJ031", "fail", "caf\u00e9 \u2192 ok \u2028 sep")]))
    assert "caf\u00e9" in out
    assert json.loads(out)["results"][0]["message"] == "caf\u00e9 \u2192 ok \u2028 sep"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(extra=1),
        lambda d: d["results"][0].update(waiver_reason="x"),
        lambda d: d["results"][0].update(status="skipped"),
        lambda d: d["results"][0].update(location={"file": "a.tf"}),
        lambda d: d["summary"].pop("exit_code"),
        lambda d: d.update(schema_version=2),
    ],
)
def test_schema_rejects_what_the_contract_does_not_allow(mutate):
    doc = json.loads(render("json", report(MIXED)))
    mutate(doc)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema()).validate(doc)


def test_json_to_dict_is_the_rendered_document():
    rep = report(MIXED)
    assert json.loads(json_report.render(rep)) == json_report.to_dict(rep)


# --------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------


def test_text_groups_fail_unknown_waived_then_passes_and_summary():
    out = render("text", report(MIXED))
    lines = out.splitlines()
    assert lines[0] == "ctj-policy 0.1.0: plan plan.json (scope module.civic-tech-jobs)"
    i_fail = lines.index("fail (2)")
    i_unknown = lines.index("unknown (1)")
    i_waived = lines.index("waived (1)")
    assert i_fail < i_unknown < i_waived
    assert lines[i_fail + 1].startswith(
        "CTJ022 error   fail    " + ADDR + " (terraform/projects/civic-tech-jobs/environment-stage.tf:42): SQL_HOST is"
    )
    assert lines[i_fail + 2].startswith("CTJ027 warning fail    " + ADDR + ": no healthCheck")
    assert lines[i_unknown + 1] == "CTJ001 error   unknown -: container_definitions is known after apply"
    assert "pass: 2 results (CTJ003, CTJ004)" in lines
    assert lines[-1] == "2 passed, 2 failed, 1 unknown, 1 waived"
    assert out.endswith("\n")
    assert "\x1b[" not in out


def test_text_verbose_lists_passes():
    lines = render("text", report(MIXED), verbose=True).splitlines()
    i = lines.index("pass (2)")
    assert lines[i + 1].startswith("CTJ003 error   pass    ")


def test_text_no_groups_when_all_pass():
    out = render("text", report([res("CTJ003", "pass")], exit_code=0, scope=""))
    assert "fail (" not in out and "unknown (" not in out
    assert "(scope whole input)" in out
    assert out.splitlines()[-1] == "1 passed, 0 failed, 0 unknown, 0 waived"


def test_text_colour_only_when_asked():
    plain = render("text", report(MIXED))
    coloured = render("text", report(MIXED), color=True)
    assert "\x1b[" not in plain
    assert "\x1b[31m" in coloured  # fail in red
    assert "\x1b[33m" in coloured  # unknown in yellow
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_text_each_finding_is_one_line_without_control_characters():
    evil = res("CTJ031", "fail", "line one\nline two\r\n\x1b[2Jcleared\x07", address='aws_x.y["a\nb"]')
    out = render("text", report([evil]))
    finding = [line for line in out.splitlines() if line.startswith("CTJ031")]
    assert len(finding) == 1
    assert "\x1b" not in out and "\x07" not in out
    assert r"line one line two \x1b[2Jcleared\x07" in finding[0]  # spelled out, visibly


def test_text_finding_line_helper():
    line = text.finding_line(res("CTJ002", "fail", "legacy repo", address=None, location=Location("a.tf", 3)))
    assert line == "CTJ002 error   fail    - (a.tf:3): legacy repo"


def test_text_names_the_module_call_of_a_block_inside_a_module():
    inner = Location(
        "modules/container/main.tf",
        6,
        call_site=Location("projects/civic-tech-jobs/environment-stage.tf", 20, call_site=Location("main.tf", 73)),
    )
    out = text.render(report([res(location=inner)]))
    # shown at the project's call site (the scope is module.civic-tech-jobs), the shared block after "via"
    assert "(projects/civic-tech-jobs/environment-stage.tf:20 via modules/container/main.tf:6)" in out
    plain = text.render(report([res(location=Location("projects/civic-tech-jobs/civic-tech-jobs.tf", 1))]))
    assert "(projects/civic-tech-jobs/civic-tech-jobs.tf:1)" in plain
