"""Redaction, directly: the Redactor, every field of a result in every format, the diagram.

What a leak looks like is decided here independently of ``ctj_policy.redact``:
an output leaks a secret when the secret, or the way Python/JSON quote it, or a
backslash-doubled copy, appears in the output as written, or in what a reader
of that format sees (HTML entities, percent-escapes and Mermaid entities
decoded, JSON and XML parsed).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import PLANS, ROOT, TERRAFORM, run_cli
from ctj_policy.model import Deployment, InputInfo, Location, Report, Result, Subject
from ctj_policy.redact import _CHUNK, MASK, MIN_LEN, Redactor
from ctj_policy.reporters import render

FORMATS = ("text", "json", "sarif", "junit", "github", "markdown")
TASK = "module.civic_tech_jobs_stage_service.aws_ecs_task_definition.task"

# 4 to 11 characters: the short secrets a "minimum length 12" redactor would print
SHORT = ["Zq7!", "k3Y#x", "Pw9*mQ", "hunter2", "tR0ub4dr", "c0rrect-h", "8xY!pL2#qW", "s3cr3tPa55!"]
# quotes, backslashes, table and HTML syntax, non-ASCII, spaces
AWKWARD = [
    "C:\\Sec\\r3t",
    "esc\x1bk3y",
    "q\"u'o9",
    "a|b<c&d>",
    "p\u00e4ss\u00f6rd",
    "two words",
    "50%:off,x",
    "#quot;x`y",
]


# --------------------------------------------------------------------------
# an independent leak detector
# --------------------------------------------------------------------------


def _forms(secret: str) -> set[str]:
    return {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], secret.replace("\\", "\\\\")}


def _mermaid_unescape(text: str) -> str:
    return re.sub(
        r"#(\d+);",
        lambda m: chr(int(m.group(1))),
        text.replace("#quot;", '"').replace("#lt;", "<").replace("#gt;", ">"),
    )


def _views(text: str) -> list[str]:
    views = [text, html.unescape(text), unquote(text), text.replace("\\|", "|"), _mermaid_unescape(text)]
    views.append(html.unescape(views[3]).replace("<br>", "\n"))
    try:
        doc = json.loads(text)
    except ValueError:
        pass
    else:
        views += _strings(doc)
    if text.startswith("<?xml"):
        root = ET.fromstring(text.split("\n", 1)[1])
        for el in root.iter():
            views += [el.text or "", el.tail or "", *el.attrib.values()]
    return views


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def leaks(text: str, secret: str) -> list[str]:
    """The forms of ``secret`` a reader of ``text`` can see (empty: none)."""
    views = _views(text)
    return sorted({f for f in _forms(secret) for v in views if f in v})


# --------------------------------------------------------------------------
# the Redactor
# --------------------------------------------------------------------------


@pytest.mark.parametrize("secret", SHORT)
def test_short_secrets_from_the_minimum_length_up_are_masked(secret):
    assert MIN_LEN <= len(secret) < 12
    assert Redactor([secret]).text(f"value {secret}, again:{secret}.") == f"value {MASK}, again:{MASK}."


def test_the_minimum_length_is_four():
    assert MIN_LEN == 4
    assert Redactor(["abcd"]).text("xabcdx") == f"x{MASK}x"
    assert Redactor(["abc", "", "    ", None, 1234]).text("abc 1234    ") == "abc 1234    ", (
        "too short, blank, or not a string"
    )


def test_a_secret_containing_another_is_masked_whole():
    for secrets in (["PASS", "PASS-LONGER-SECRET"], ["PASS-LONGER-SECRET", "PASS"], ["SECRET", "PASS-LONGER-SECRET"]):
        out = Redactor(secrets).text("x PASS-LONGER-SECRET y")
        assert out == f"x {MASK} y", (secrets, out)  # never "(redacted)-LONGER-SECRET"


def test_overlapping_secrets_of_equal_length_leave_no_part_of_either():
    a, b = "AAAA1234", "1234BBBB"
    for secrets in ([a, b], [b, a], {a, b}):
        assert Redactor(secrets).text(f"x{a}BBBBy and {a} and {b}") == f"x{MASK}y and {MASK} and {MASK}"


@pytest.mark.subprocess
def test_output_does_not_depend_on_the_hash_seed():
    code = (
        "from ctj_policy.redact import Redactor\n"
        "secrets = {'AAAA1234', '1234BBBB', 'BBBBcccc', 'cc99', 'zz-top-secret', 'top-secret-zz'}\n"
        "print(Redactor(secrets).text('xAAAA1234BBBBcccc99y zz-top-secret-zz'))\n"
    )
    outs = set()
    for seed in ("0", "1", "2", "3", "12345", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        outs.add(proc.stdout)
    assert outs == {f"x{MASK}y {MASK}\n"}


@pytest.mark.parametrize("secret", ["C:\\Sec\\r3t", "K9\\q\"Z'w", "p\u00e4ss\u00f6rd", "tab\there", "nl\nsecret"])
def test_quoted_and_escaped_forms_are_masked(secret):
    r = Redactor([secret])
    texts = [
        f"value {secret!r} end",  # a message quoting with repr()
        f"value {ascii(secret)} end",
        f"value {json.dumps(secret)} end",
        json.dumps({"message": f"value {secret!r} end"}),  # JSON of a repr
        f"value {secret.replace(chr(92), chr(92) * 2)} end",  # backslash-doubled
        repr(f"it is {secret} here"),  # repr of a longer string: the other quote may be escaped
        repr(repr(secret)),
    ]
    for text in texts:
        out = r.text(text)
        assert MASK in out, (text, out)
        assert not leaks(out, secret), (text, out)
    # the quotes around a masked value stay: the message still reads
    assert r.text(f"value {secret!r} end")[:7] == "value " + repr(secret)[0]


def test_thousands_of_secrets_each_the_prefix_of_the_next():
    """One trie of them nests too deep to compile: several smaller ones must mask the same."""
    r = Redactor(["k" * n for n in range(4, 1200)] + ["other-secret"])
    # the fallback is taken, and splits the forms into chunks (not one pattern per form)
    assert 1 < len(r._pattern(())) <= -(-len(r._forms) // _CHUNK)
    # "kkkk" is the first form in sorted order (the first chunk's first); "other-secret" is in the last
    # chunk but occurs first in the text (the matches of several patterns are put in order before merging)
    text = "other-secret x" + "k" * 1500 + "y kkk kkkk other-secret"
    assert r.text(text) == f"{MASK} x{MASK}y kkk {MASK} {MASK}"


def test_a_secret_that_is_the_prefix_of_others_is_masked_on_its_own_too():
    """The trie has an end of word inside a branch: the shorter word still matches alone."""
    secrets = ["PASS", "PASS-LONGER-SECRET", "PASSWORD-9"]
    for order in (secrets, secrets[::-1]):
        r = Redactor(order)
        assert r.text("PASS, PASS-LONGER-SECRET, PASSWORD-9, PASSWOR") == f"{MASK}, {MASK}, {MASK}, {MASK}WOR"


def test_a_secret_starting_one_character_inside_another_is_masked_with_it():
    for secrets in (["Kabcd", "abcdZZZ"], ["abcdZZZ", "Kabcd"]):
        assert Redactor(secrets).text("-KabcdZZZ-") == f"-{MASK}-", secrets


def test_secrets_that_touch_are_one_run_and_one_mask():
    r = Redactor(["AAAA", "BBBB"])
    assert r.text("xAAAABBBBy AAAA BBBB BBBBAAAA") == f"x{MASK}y {MASK} {MASK} {MASK}"
    assert r.spans("xAAAABBBBy AAAA") == [(1, 9), (11, 15)]


def test_an_escape_that_prints_a_form_as_nothing_does_not_match_everywhere():
    r = Redactor([S])
    nothing = (lambda s: "",)
    # first, and directly: a pattern matching the empty string would find it at every position (spans never ends)
    assert not any(p.search("") for p in r._pattern(nothing))
    assert r.text(f"a {S} b", nothing) == f"a {MASK} b"
    assert r.text("clean", nothing) == "clean"
    assert r.spans("clean", nothing) == []


def test_with_an_escape_the_raw_forms_are_still_masked():
    r = Redactor([S])
    assert r.text(f"{S} and {_entity(S)}", (_entity,)) == f"{MASK} and {MASK}"
    assert r.text(f"{S} and {_entity(S)}") == f"{MASK} and {_entity(S)}"


def test_masks_exactly_the_runs_a_naive_scan_finds():
    """Random small secrets over a two-letter alphabet (prefixes, nesting, overlaps, touching runs
    everywhere), against a reference that tries every form at every position."""
    import random

    rnd = random.Random(14)
    for _ in range(300):
        secrets = {"".join(rnd.choice("ab") for _ in range(rnd.randint(4, 7))) for _ in range(rnd.randint(1, 6))}
        text = "".join(rnd.choice(["a", "b", "c", *sorted(secrets)]) for _ in range(rnd.randint(0, 12)))
        covered = [False] * len(text)
        for i in range(len(text)):
            for s in secrets:
                if text.startswith(s, i):
                    covered[i : i + len(s)] = [True] * len(s)
        want = re.sub("\x00+", MASK, "".join("\x00" if c else ch for ch, c in zip(text, covered, strict=True)))
        assert Redactor(sorted(secrets)).text(text) == want, (sorted(secrets), text)


def test_non_strings_and_clean_text_come_back_unchanged():
    r = Redactor(["Zq7!-secret"])
    for value in (None, "", "nothing here", 42):
        assert r.text(value) == value
    assert Redactor().text("Zq7!-secret") == "Zq7!-secret"


# --------------------------------------------------------------------------
# every field of a result, in every format
# --------------------------------------------------------------------------


def _report(secret: str, *, redacted_by_engine: bool = False) -> Report:
    """Results carrying ``secret`` in every field; ``redacted_by_engine``: as the engine stamps them."""
    dep = Deployment(redact={secret})
    raw = [
        Result(
            "CTJ031",
            f"title {secret}",
            "error",
            "fail",
            f"SECRET_KEY is {secret!r} in plaintext",
            f'aws_x.y["{secret}"]',
            Location(f"dir-{secret}/main.tf", 3, call_site=Location(f"call-{secret}.tf", 9)),
            None,
            Subject("env", f"VAR_{secret}", f"c-{secret}"),
        ),
        Result(
            "CTJ026",
            "t",
            "error",
            "waived",
            f"desired_count 2 [waived: ticket {secret}]",
            "aws_ecs_service.s",
            None,
            f"ticket {secret}",
            Subject("service", "aws_ecs_service.s"),
        ),
        Result("CTJ022", "t", "error", "unknown", f"SQL_HOST {json.dumps(secret)} not decided", None, None),
        Result("CTJ003", "t", "error", "pass", f"network mode ok ({secret})", "aws_x.z", None),
    ]
    results = [Redactor(dep.redact).result(r) for r in raw] if redacted_by_engine else raw
    info = InputInfo("plan", "plan.json", "1.2", "1.9.0", "module.civic-tech-jobs")
    return Report("ctj-policy", "0.1.0", info, results, 1, deployment=dep)


@pytest.mark.parametrize("secret", [*SHORT[:3], *AWKWARD])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_field_in_every_format_is_redacted_at_the_output_gate(fmt, secret):
    """Results as a new, careless code path might build them (nothing redacted): reporters.render still masks."""
    out = render(fmt, _report(secret), **({"verbose": True} if fmt == "text" else {}))
    assert not leaks(out, secret), out
    assert MASK in out or html.escape(MASK) in out


@pytest.mark.parametrize("secret", ["hunter2", "C:\\Sec\\r3t"])
def test_engine_stamped_results_hold_no_secret_in_any_field(secret):
    for r in _report(secret, redacted_by_engine=True).results:
        for value in (
            r.title,
            r.message,
            r.address,
            r.waiver_reason,
            r.location and r.location.file,
            r.location and r.location.call_site and r.location.call_site.file,
            r.subject and r.subject.name,
            r.subject and r.subject.container,
        ):
            assert not value or not leaks(value, secret), (r, value)


def test_structured_outputs_stay_well_formed_whatever_the_secret():
    """A 'secret' equal to JSON or XML syntax is masked only inside values."""
    for secret in ("null", "true", "testcase", "results", '"message": '):
        report = _report(secret)
        doc = json.loads(render("json", report))
        assert doc["results"][0]["location"] is None or isinstance(doc["results"][0]["location"], dict)
        json.loads(render("sarif", report))
        ET.fromstring(render("junit", report).split("\n", 1)[1])


def test_markdown_stays_under_the_comment_limit_when_masks_are_longer_than_secrets():
    """'(redacted)' is longer than a 4-character secret: the comment is sized after redaction, not before."""
    from ctj_policy.reporters.markdown import GITHUB_COMMENT_LIMIT

    secret = "Zq7!"
    results = [Result("CTJ031", "t", "error", "fail", f"{secret} " * 300, f"aws_x.y[{i}]") for i in range(300)]
    info = InputInfo("plan", f"plans/{secret}.json", "1.2", "1.9.0", "")
    md = render("markdown", Report("ctj-policy", "0.1.0", info, results, 1, deployment=Deployment(redact={secret})))
    assert len(md) <= GITHUB_COMMENT_LIMIT and not leaks(md, secret)
    assert "_Showing " in md


def test_waiver_reason_is_redacted_through_the_engine():
    from ctj_policy.config import Config, WaiverSpec
    from ctj_policy.engine import evaluate
    from ctj_policy.loaders.plan import load_plan

    secret = "tkt-9Zq"  # 7 characters
    config = Config(waivers=(WaiverSpec(rule="CTJ0*", address="*", reason=f"approved, token {secret}"),))
    loaded = load_plan(str(PLANS / "legacy.json"), config)
    loaded.deployment.redact.add(secret)
    ev = evaluate(loaded.deployment, config)
    waived = [r for r in ev.results if r.status == "waived"]
    assert waived
    for r in waived:
        assert r.waiver_reason == f"approved, token {MASK}" and secret not in r.message
    report = Report("ctj-policy", "0.1.0", loaded.info, ev.results, 0, deployment=loaded.deployment)
    sarif = json.loads(render("sarif", report))
    justifications = [s["justification"] for res in sarif["runs"][0]["results"] for s in res.get("suppressions", [])]
    assert justifications and all(j == f"approved, token {MASK}" for j in justifications)
    junit = render("junit", report)
    assert f"approved, token {MASK}" in junit and secret not in junit


# --------------------------------------------------------------------------
# the diagram (issue 13, point 4)
# --------------------------------------------------------------------------

SENSITIVE_FAMILY = "fam-Q7x"
SENSITIVE_TG = "tg-9Kp"
SENSITIVE_HOST = "h0st-W3z.example"


def _sensitive_plan(tmp_path: Path) -> Path:
    """stage1-project with a task family, a target-group name and a host header marked sensitive."""
    doc = json.loads((PLANS / "stage1-project.json").read_text())
    for rc in doc["resource_changes"]:
        change = rc["change"]
        if rc["type"] == "aws_ecs_task_definition":
            change["after"]["family"] = SENSITIVE_FAMILY
            change["after_sensitive"] = {**(change.get("after_sensitive") or {}), "family": True}
        elif rc["address"].endswith("aws_lb_target_group.backend"):
            change["after"]["name"] = SENSITIVE_TG
            change["after_sensitive"] = {**(change.get("after_sensitive") or {}), "name": True}
        elif rc["type"] == "aws_lb_listener_rule":
            conditions = change["after"]["condition"]
            marks = []
            for cond in conditions:
                if cond["host_header"]:
                    cond["host_header"][0]["values"] = [SENSITIVE_HOST]
                    marks.append({"host_header": [{"values": [True]}]})
                else:
                    marks.append({})
            change["after_sensitive"] = {**(change.get("after_sensitive") or {}), "condition": marks}
    path = tmp_path / "sensitive.json"
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.subprocess
def test_the_diagram_prints_no_value_marked_sensitive_in_the_plan(tmp_path):
    from ctj_policy.config import Config
    from ctj_policy.loaders.plan import load_plan
    from ctj_policy.topology import build

    loaded = load_plan(str(_sensitive_plan(tmp_path)), Config())
    assert {SENSITIVE_FAMILY, SENSITIVE_TG, SENSITIVE_HOST} <= loaded.deployment.redact, "the loader marks them"
    graph = build(loaded.deployment, (), Config(), redact=Redactor(loaded.deployment.redact).text)
    labels = "\n".join([n.label for n in graph.nodes] + [e.label for e in graph.edges])
    for secret in (SENSITIVE_FAMILY, SENSITIVE_TG, SENSITIVE_HOST):
        assert secret not in labels
    assert f"ECS task {MASK}" in labels and f"target group {MASK}" in labels and f"host {MASK}" in labels

    proc = run_cli("check", str(tmp_path / "sensitive.json"), "--format", "markdown")
    md = proc.stdout.decode()
    assert "```mermaid" in md and proc.returncode in (0, 1), proc.stderr
    for secret in (SENSITIVE_FAMILY, SENSITIVE_TG, SENSITIVE_HOST):
        assert not leaks(md, secret), secret


def _stage1_with_sensitive_variables(tmp_path: Path, variables: dict[str, str], replace: dict[str, str]) -> Path:
    tree = tmp_path / "stage1"
    shutil.copytree(TERRAFORM / "stage1", tree)
    project = tree / "projects" / "civic-tech-jobs"
    extra = "".join(
        f'\nvariable "{name}" {{\n  type      = string\n  sensitive = true\n  default   = {json.dumps(value)}\n}}\n'
        for name, value in variables.items()
    )
    (project / "variables.tf").write_text((project / "variables.tf").read_text() + extra)
    stage = project / "environment-stage.tf"
    text = stage.read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    stage.write_text(text)
    return tree


def _all_formats(path: Path) -> dict[str, str]:
    outputs = {}
    for fmt in FORMATS:
        proc = run_cli("check", str(path), "--format", fmt, *(["-v"] if fmt == "text" else []))
        assert proc.returncode in (0, 1), proc.stderr.decode()
        outputs[fmt] = proc.stdout.decode() + proc.stderr.decode()
    return outputs


@pytest.mark.subprocess
def test_the_diagram_prints_no_sensitive_variable_in_hcl_mode(tmp_path):
    """A sensitive Terraform variable used as the backend image tag (HCL mode)."""
    tag = "t4g\\Xy9"
    tree = _stage1_with_sensitive_variables(
        tmp_path,
        {"image_tag": tag},
        {'backend.repository_url}:stage"': 'backend.repository_url}:${var.image_tag}"'},
    )
    outputs = _all_formats(tree)
    assert "```mermaid" in outputs["markdown"] and f"civic-tech-jobs-backend:{MASK}" in outputs["markdown"]
    for fmt, out in outputs.items():
        assert not leaks(out, tag), fmt


@pytest.mark.subprocess
def test_a_secret_with_a_backslash_quoted_by_a_message_is_printed_in_no_format(tmp_path):
    """Issue 13 point 5: CTJ021 quotes the database image with repr(), which doubles the backslash."""
    image = "my\\postgres:18"  # 15 characters, one backslash
    tree = _stage1_with_sensitive_variables(
        tmp_path, {"pg_image": image}, {'image     = "postgres:18.1"': "image     = var.pg_image"}
    )
    outputs = _all_formats(tree)
    assert "CTJ021" in outputs["text"] and "not the official postgres" in outputs["text"], outputs["text"]
    for fmt, out in outputs.items():
        assert not leaks(out, image), (fmt, leaks(out, image))


# --------------------------------------------------------------------------
# the Redactor's structured values and its final pass over rendered output, in-process and exact
# (the end-to-end tests above check that nothing leaks; these check what is kept)
# --------------------------------------------------------------------------

S = "hunter2-x"


def _entity(text: str) -> str:
    """A stand-in format escape (one XML parsing does not undo): '-' written as '~'."""
    return text.replace("-", "~")


def test_a_location_is_redacted_in_every_field_and_keeps_the_rest():
    loc = Location(f"dir/{S}.tf", 3, call_site=Location(f"call-{S}.tf", 9, module=f"module.{S}"), module=f"module.m-{S}")
    assert Redactor([S]).location(loc) == Location(
        f"dir/{MASK}.tf", 3, call_site=Location(f"call-{MASK}.tf", 9, module=f"module.{MASK}"), module=f"module.m-{MASK}"
    )
    assert Redactor([S]).location(None) is None
    assert Redactor().location(loc) is loc


def test_a_subject_is_redacted_in_its_name_and_container_and_keeps_its_kind():
    assert Redactor([S]).subject(Subject("env", f"VAR_{S}", f"c-{S}")) == Subject("env", f"VAR_{MASK}", f"c-{MASK}")
    assert Redactor([S]).subject(Subject("task", "t", None)) == Subject("task", "t", None)
    assert Redactor([S]).subject(None) is None


def test_a_result_is_redacted_field_by_field():
    raw = Result("CTJ031", f"title {S}", "error", "fail", f"is {S!r}", f'aws_x.y["{S}"]', Location(f"{S}.tf", 1), f"why {S}", Subject("env", S))
    got = Redactor([S]).result(raw)
    assert (got.title, got.message, got.address, got.location, got.waiver_reason, got.subject) == (
        f"title {MASK}", f"is '{MASK}'", f'aws_x.y["{MASK}"]', Location(f"{MASK}.tf", 1), f"why {MASK}", Subject("env", MASK),
    )
    assert (got.rule_id, got.severity, got.status) == ("CTJ031", "error", "fail")


@pytest.mark.parametrize("rendered", ["", "nothing secret here\n", json.dumps({"a": 1}, indent=3)])
def test_output_without_an_occurrence_comes_back_byte_identical(rendered):
    r = Redactor([S])
    for kind in ("text", "json", "xml"):
        assert r.output(rendered, kind, (), dump=lambda v: "re-encoded", dump_xml=lambda v: "re-encoded") == rendered
    assert Redactor().output(f"a {S}", "text") == f"a {S}"  # no secrets: nothing to mask


def test_text_output_is_masked_with_the_formats_escapes_of_every_form():
    r = Redactor([S])
    assert r.output(f"a {S} b", "text") == f"a {MASK} b"
    escaped = f"a {_entity(S)} b"
    assert r.output(escaped, "text") == escaped  # the escaped form is that format's own
    assert r.output(escaped, "text", (_entity,)) == f"a {MASK} b"


def test_text_output_is_never_parsed_even_when_a_dump_is_given():
    r = Redactor([S])
    assert r.output(f"not json {S}", "text", dump=json.dumps, dump_xml=str) == f"not json {MASK}"


def test_json_output_masks_string_values_only_and_is_re_encoded_by_the_formats_dump():
    r = Redactor([S])
    doc = {"message": f"x {S}", S: [1, None, f"{S}", {"deep": f"y {_entity(S)}"}], "n": 2}
    got = r.output(json.dumps(doc), "json", (_entity,), dump=lambda v: json.dumps(v, sort_keys=True))
    assert got == json.dumps({"message": f"x {MASK}", S: [1, None, MASK, {"deep": f"y {MASK}"}], "n": 2}, sort_keys=True)
    # json without its dump: treated as text
    assert r.output(json.dumps({"m": S}), "json") == json.dumps({"m": MASK})


XML_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'


@pytest.mark.parametrize("prolog", [XML_PROLOG, ""], ids=["with the XML declaration", "without"])
def test_xml_output_masks_attributes_text_and_tails(prolog):
    import xml.etree.ElementTree as ET

    r = Redactor([S])
    rendered = f'{prolog}<a x="{S}" y="ok">\n<b>{S}</b>tail {S}<c z="{_entity(S)}">{_entity(S)}</c>{_entity(S)}\n</a>'
    got = r.output(rendered, "xml", (_entity,), dump_xml=lambda root: ET.tostring(root, encoding="unicode"))
    assert got == f'<a x="{MASK}" y="ok">\n<b>{MASK}</b>tail {MASK}<c z="{MASK}">{MASK}</c>{MASK}\n</a>'
    # xml without its dump: treated as text
    assert r.output(f"<a>{S}</a>", "xml") == f"<a>{MASK}</a>"


def test_decoded_json_values_are_redacted_recursively_with_the_escapes():
    r = Redactor([S])
    assert r.value([S, {"k": (S, _entity(S))}, 3], (_entity,)) == [MASK, {"k": (S, _entity(S))}, 3]  # tuples are not JSON
    assert r.value({"k": [f"a {_entity(S)}"]}, (_entity,)) == {"k": [f"a {MASK}"]}
    assert r.value({"k": [f"a {_entity(S)}"]}) == {"k": [f"a {_entity(S)}"]}


# each quoting that prints a secret its own way (the forms that only it produces)
QUOTINGS = [
    pytest.param("p\u00e4\x1bss-9", lambda s: repr(s), id="repr: non-ASCII kept, control escaped \\x1b"),
    pytest.param("p\u00e4\x1bss-9", lambda s: json.dumps(s, ensure_ascii=False), id="json, ensure_ascii=False: \\u001b, non-ASCII kept"),
    pytest.param("p\u00e4\x1bss-9", lambda s: json.dumps(s), id="json: \\u00e4\\u001b"),
    pytest.param("p\u00e4\x1bss-9", lambda s: ascii(s), id="ascii: \\xe4\\x1b"),
    pytest.param("o'brien-pw", lambda s: repr(f'say "{s}"'), id="repr of a string with both quotes: \\' escaped"),
    pytest.param("o'brien-pw", lambda s: repr(repr(f'"{s}"')), id="repr of such a repr"),
]


@pytest.mark.parametrize(("secret", "quote"), QUOTINGS)
def test_each_quoting_of_a_secret_is_masked(secret, quote):
    printed = f"value {quote(secret)} end"
    assert secret not in printed  # the quoting changed how it reads
    out = Redactor([secret]).text(printed)
    assert MASK in out and not leaks(out, secret), out


def test_secrets_are_kept_longest_first_then_by_text():
    assert Redactor(["cccc", "zzzzzz", "bbbb", "ab"]).secrets == ["zzzzzz", "bbbb", "cccc"]


def test_a_result_has_its_title_location_and_subject_redacted():
    secret = "hunter22"
    result = Result(
        rule_id="CTJ001", title=f"t {secret}", severity="high", status="fail", message="m",
        location=Location(f"{secret}.tf", 3), subject=Subject("env", secret, "c"),
    )
    out = Redactor([secret]).result(result)
    assert (out.title, out.location.file, out.subject) == (f"t {MASK}", f"{MASK}.tf", Subject("env", MASK, "c"))
