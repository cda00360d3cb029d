"""The shared resource -> model builder (``loaders/build.py``) and what each loader's adapter answers.

The same Terraform resource must become the same model object whichever
input it comes from; where the inputs differ (a plan's unknowns, Checkov's
omitted values, symbolic HCL), the adapter decides, never the builder.
"""

from __future__ import annotations

import textwrap

from ctj_policy.checkov.conf import HCL, PLAN, add_resource
from ctj_policy.config import DEFAULT
from ctj_policy.loaders import build as builder
from ctj_policy.loaders.hcl import load_hcl
from ctj_policy.loaders.plan import build
from ctj_policy.model import KNOWN_AFTER_APPLY, Deployment, Ref, Unknown

# ---------------------------------------------------------------- inputs


def _plan(*resources) -> Deployment:
    """A root-scope plan of ``(address, type, after, after_unknown)`` resources."""
    changes = [
        {
            "address": address,
            "mode": "managed",
            "type": rtype,
            "name": address.split(".")[-1],
            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": unknown or {}},
        }
        for address, rtype, after, unknown in resources
    ]
    doc = {"format_version": "1.2", "resource_changes": changes, "configuration": {"root_module": {}}}
    return build(doc, DEFAULT, scope="root", validate=False).deployment


def _hcl(tmp_path, text: str) -> Deployment:
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    return load_hcl(tmp_path, DEFAULT, scope="root").deployment


def _checkov(rtype: str, conf: dict, mode: str = HCL) -> Deployment:
    dep = Deployment(scope="")
    add_resource(dep, rtype, f"{rtype}.x", {"__address__": f"{rtype}.x", **conf}, mode)
    return dep


class _DictView:
    """The smallest adapter: a dict of known values that records the hints it is given."""

    location = None

    def __init__(self, attrs: dict, hints: dict):
        self.attrs = attrs
        self.hints = hints

    def get(self, name, hint=builder.PLAIN):
        self.hints[name] = hint
        return self.attrs.get(name)

    def values(self, name, hint=builder.PLAIN):
        self.hints[name] = hint
        value = self.attrs.get(name)
        return tuple(value) if isinstance(value, list) else (() if value is None else value)

    def blocks(self, name):
        return [_DictView(b, self.hints) for b in self.attrs.get(name) or []]

    def unknown(self, name="", hint=builder.PLAIN):
        return None

    def self_ref(self, name):
        return builder.known_or_ref(self.attrs.get(name), "aws_x.y", name)

    def containers(self, where):
        return ()


# ---------------------------------------------------------------- the builder alone


def test_builder_states_the_schema_facts_and_leaves_their_meaning_to_the_adapter():
    hints: dict = {}
    dep = Deployment(scope="")
    view = _DictView({"name": "svc", "load_balancer": [{"target_group_arn": "arn:tg", "container_port": 8000}]}, hints)
    builder.add_resource(dep, "managed", "aws_ecs_service", "aws_ecs_service.s", view)
    (svc,) = dep.services
    assert svc.name == "svc" and svc.load_balancers[0].target_group == "arn:tg" and svc.load_balancers[0].container_port == 8000
    assert hints["name"] == builder.ALWAYS_SET and hints["target_group_arn"] == builder.ALWAYS_SET
    assert hints["launch_type"] == builder.DEFAULTED and hints["container_port"] == builder.PLAIN


def test_builder_ignores_types_the_model_has_no_object_for():
    dep = Deployment(scope="")
    builder.add_resource(dep, "managed", "aws_s3_bucket", "aws_s3_bucket.b", _DictView({}, {}))
    assert not list(dep.all_resources())


# ---------------------------------------------------------------- one behaviour across the inputs


def test_security_group_rule_of_undecided_type_is_kept_in_every_input(tmp_path):
    unknown_type = _plan(("aws_security_group_rule.r", "aws_security_group_rule", {"from_port": 5432, "to_port": 5432, "protocol": "tcp"}, {"type": True}))
    assert [r.address for r in unknown_type.ingress_rules] == ["aws_security_group_rule.r"]
    egress = _plan(("aws_security_group_rule.r", "aws_security_group_rule", {"type": "egress", "from_port": 0, "to_port": 0, "protocol": "-1"}, None))
    assert not egress.ingress_rules
    symbolic = _checkov("aws_security_group_rule", {"type": ["var.kind"], "from_port": [5432], "to_port": [5432], "protocol": ["tcp"]})
    assert len(symbolic.ingress_rules) == 1
    hcl = _hcl(tmp_path, """
        variable "kind" {}
        resource "aws_security_group_rule" "r" {
          type      = var.kind
          from_port = 5432
          to_port   = 5432
          protocol  = "tcp"
        }
    """)
    assert len(hcl.ingress_rules) == 1


def test_autoscaling_targets_of_another_service_are_left_out_an_undecided_one_is_kept(tmp_path):
    dynamo = {"service_namespace": "dynamodb", "resource_id": "table/t", "min_capacity": 1, "max_capacity": 4}
    assert not _plan(("aws_appautoscaling_target.t", "aws_appautoscaling_target", dynamo, None)).autoscaling_targets
    assert not _checkov("aws_appautoscaling_target", {k: [v] for k, v in dynamo.items()}).autoscaling_targets
    hcl = _hcl(tmp_path, """
        resource "aws_appautoscaling_target" "t" {
          service_namespace = "dynamodb"
          resource_id       = "table/t"
          min_capacity      = 1
          max_capacity      = 4
        }
    """)
    assert not hcl.autoscaling_targets
    unknown = _plan(("aws_appautoscaling_target.t", "aws_appautoscaling_target", {"resource_id": "service/c/s"}, {"service_namespace": True}))
    assert [t.address for t in unknown.autoscaling_targets] == ["aws_appautoscaling_target.t"]


def test_alb_listener_rule_keeps_its_type():
    rule = {"listener_arn": "arn:l", "priority": 10, "condition": [], "action": [{"type": "forward", "target_group_arn": "arn:tg"}]}
    (lr,) = _plan(("aws_alb_listener_rule.r", "aws_alb_listener_rule", rule, None)).listener_rules
    assert lr.type == "aws_alb_listener_rule" and lr.actions[0].target_groups == ("arn:tg",)


def test_checkov_conf_builds_listener_rules_like_the_other_inputs():
    conf = {
        "listener_arn": ["aws_lb_listener.https.arn"],
        "priority": [100],
        "condition": [{"path_pattern": [{"values": [["/api/*"]]}]}],
        "action": [{"type": ["forward"], "target_group_arn": ["aws_lb_target_group.api.arn"]}],
    }
    (lr,) = _checkov("aws_lb_listener_rule", conf).listener_rules
    assert lr.conditions[0].path_patterns == ("/api/*",)
    assert lr.actions[0].target_groups == (Ref("aws_lb_target_group.api", "arn"),)


def test_vpc_ingress_rule_names_its_prefix_list_in_every_input(tmp_path):
    rule = {"from_port": 5432, "to_port": 5432, "ip_protocol": "tcp", "prefix_list_id": "pl-123"}
    (plan,) = _plan(("aws_vpc_security_group_ingress_rule.r", "aws_vpc_security_group_ingress_rule", rule, None)).ingress_rules
    (conf,) = _checkov("aws_vpc_security_group_ingress_rule", {k: [v] for k, v in rule.items()}).ingress_rules
    assert plan.sources == conf.sources == ("pl-123",)


def test_hcl_empty_host_path_and_target_group_arn_are_unset_as_in_a_plan(tmp_path):
    dep = _hcl(tmp_path, """
        resource "aws_ecs_task_definition" "t" {
          family                = "t"
          container_definitions = "[]"
          volume {
            name      = "data"
            host_path = ""
          }
        }
        resource "aws_lb_listener_rule" "r" {
          listener_arn = "arn:l"
          action {
            type             = "fixed-response"
            target_group_arn = ""
          }
        }
    """)
    assert dep.task_definitions[0].volumes[0].host_path is None
    assert dep.listener_rules[0].actions[0].target_groups == ()


def test_hcl_list_form_of_ingress_names_self_like_the_block_form(tmp_path):
    dep = _hcl(tmp_path, """
        resource "aws_security_group" "sg" {
          ingress = [{
            from_port        = 5432
            to_port          = 5432
            protocol         = "tcp"
            cidr_blocks      = []
            ipv6_cidr_blocks = []
            prefix_list_ids  = []
            security_groups  = []
            self             = true
            description      = ""
          }]
        }
    """)
    (rule,) = dep.ingress_rules
    assert rule.address == "aws_security_group.sg.ingress[0]" and rule.sources == ("self",)


def test_plan_reads_nested_block_values_with_unknowns_and_resolution():
    td = {
        "family": "t",
        "container_definitions": "[]",
        "volume": [{"name": "data", "host_path": None, "docker_volume_configuration": [{"scope": None, "driver": "local"}]}],
    }
    unknown = {"volume": [{"host_path": True, "docker_volume_configuration": [{"scope": True}]}]}
    (task,) = _plan(("aws_ecs_task_definition.t", "aws_ecs_task_definition", td, unknown)).task_definitions
    (vol,) = task.volumes
    assert vol.host_path == Unknown(KNOWN_AFTER_APPLY, "aws_ecs_task_definition.t.volume[0].host_path")
    assert isinstance(vol.docker.scope, Unknown) and vol.docker.driver == "local"
    svc = {"name": "s", "capacity_provider_strategy": [{"capacity_provider": None}]}
    (service,) = _plan(("aws_ecs_service.s", "aws_ecs_service", svc, {"capacity_provider_strategy": [{"capacity_provider": True}]})).services
    assert isinstance(service.capacity_providers[0], Unknown)


def test_checkov_plan_conf_omits_what_is_known_only_after_apply():
    dep = _checkov("aws_ecs_service", {"launch_type": ["FARGATE"]}, mode=PLAN)
    (svc,) = dep.services
    assert isinstance(svc.name, Unknown) and isinstance(svc.desired_count, Unknown)
    assert svc.deployment_maximum_percent is None and svc.launch_type == "FARGATE"
    (placeholder,) = _checkov("aws_security_group", {}, mode=PLAN).ingress_rules
    assert placeholder.address == "aws_security_group.x.ingress" and isinstance(placeholder.from_port, Unknown)
    assert not _checkov("aws_security_group", {}, mode=HCL).ingress_rules
