"""Tell someone when an automatic rotation fails: an EventBridge rule on Secrets Manager's rotation
failure events with the user's SNS topic as target, and a CloudWatch alarm on that rule's
``TriggeredRules`` metric to the same topic. Created idempotently and read back.

The topic is the user's: its policy must let ``events.amazonaws.com`` and CloudWatch publish to it
(we never rewrite a topic policy we did not create).
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..base.errors import AwsActionError, SecretshiftError
from .session import AwsSession

RULE_NAME = "secretshift-rotation-failures"
ALARM_NAME = "secretshift-rotation-failures"
EVENT_PATTERN: dict[str, Any] = {
    "source": ["aws.secretsmanager"],
    "detail-type": ["AWS Service Event via CloudTrail"],
    "detail": {"eventName": ["RotationFailed", "RotationAbandoned"]},
}
TOPIC_RE = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$")


def check_topic(topic_arn: str) -> str:
    if not TOPIC_RE.match(topic_arn or ""):
        raise SecretshiftError(f"--alarm-topic: '{topic_arn}' is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
    return topic_arn


def alarm_definition(topic_arn: str, rule_name: str = RULE_NAME) -> dict[str, Any]:
    """The put_metric_alarm arguments (also what the IaC emitters write)."""
    return {"AlarmName": ALARM_NAME, "AlarmDescription": "An automatic rotation of a secret failed",
            "Namespace": "AWS/Events", "MetricName": "TriggeredRules",
            "Dimensions": [{"Name": "RuleName", "Value": rule_name}], "Statistic": "Sum", "Period": 300,
            "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching", "AlarmActions": [topic_arn]}


def ensure_alarm(session: AwsSession, topic_arn: str) -> dict[str, str]:
    """Create or update the rule, its target and the alarm; returns their ARNs/names after reading back."""
    check_topic(topic_arn)
    ev = session.gateway("events")
    pattern = json.dumps(EVENT_PATTERN, sort_keys=True)
    rule = ev.call("put_rule", "cannot create the EventBridge rule", Name=RULE_NAME, EventPattern=pattern,
                   State="ENABLED", Description="Secrets Manager rotation failures (secretshift)")
    ev.call("put_targets", "cannot point the EventBridge rule at the topic", Rule=RULE_NAME,
            Targets=[{"Id": "sns-topic", "Arn": topic_arn}])
    back = ev.call("describe_rule", "cannot read the EventBridge rule back", Name=RULE_NAME)
    if json.loads(back.get("EventPattern") or "{}") != EVENT_PATTERN or back.get("State") != "ENABLED":
        raise AwsActionError(f"the EventBridge rule {RULE_NAME} does not read back as written")
    cw = session.gateway("cloudwatch")
    cw.call("put_metric_alarm", "cannot create the CloudWatch alarm", **alarm_definition(topic_arn))
    alarms = cw.call("describe_alarms", "cannot read the CloudWatch alarm back", AlarmNames=[ALARM_NAME])
    found = next((a for a in alarms.get("MetricAlarms", []) if a["AlarmName"] == ALARM_NAME), None)
    if found is None or topic_arn not in found.get("AlarmActions", []):
        raise AwsActionError(f"the CloudWatch alarm {ALARM_NAME} does not read back as written")
    return {"rule": rule.get("RuleArn", RULE_NAME), "alarm": found.get("AlarmArn", ALARM_NAME), "topic": topic_arn}
