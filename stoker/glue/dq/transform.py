"""``awsgluedq.transforms.EvaluateDataQuality``: today's ``process_rows`` and the older ``apply``.

Publishing options (CloudWatch metrics, the Studio results tab, S3 results) and additional
options are accepted; stoker prints the rule outcomes to the run's output instead.
"""
# ruff: noqa: N803 - Glue's API names are camelCase

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from stoker.glue.dq.evaluate import OUTCOME_SCHEMA, evaluate, outcome_rows
from stoker.glue.dq.parser import parse
from stoker.glue.dynamicframe import DynamicFrame, DynamicFrameCollection
from stoker.glue.transforms.classes import GlueTransform

log = logging.getLogger(__name__)


class EvaluateDataQuality(GlueTransform):
    """Evaluate a DQDL ruleset against a frame."""

    def __call__(
        self,
        frame: DynamicFrame,
        ruleset: str,
        publishing_options: Mapping[str, Any] | None = None,
        transformation_ctx: str = "",
        info: str = "",
        stageThreshold: int = 0,
        totalThreshold: int = 0,
    ) -> DynamicFrame:
        """The rule outcomes (Glue's older ``EvaluateDataQuality.apply``)."""
        return self.process_rows(frame, ruleset, publishing_options)["ruleOutcomes"]

    def process_rows(
        self,
        frame: DynamicFrame,
        ruleset: str,
        publishing_options: Mapping[str, Any] | None = None,
        additional_options: Mapping[str, Any] | None = None,
    ) -> DynamicFrameCollection:
        """``ruleOutcomes`` and ``rowLevelOutcomes``, as Glue's generated scripts read them."""
        rules = parse(ruleset)
        outcomes, rows = evaluate(frame.toDF(), rules)
        context = dict(publishing_options or {}).get(
            "dataQualityEvaluationContext", "default_context"
        )
        for outcome in outcomes:
            log.info(
                "data quality rule %s: %s",
                outcome.rule.text,
                "Passed" if outcome.passed else "Failed",
                extra={"action": "glue.dq.rule", "context": context},
            )
        session = frame.spark_session
        rule_frame = session.createDataFrame(outcome_rows(outcomes), OUTCOME_SCHEMA)
        return DynamicFrameCollection(
            {
                "ruleOutcomes": DynamicFrame(rule_frame, frame.glue_ctx, "ruleOutcomes"),
                "rowLevelOutcomes": DynamicFrame(rows, frame.glue_ctx, "rowLevelOutcomes"),
            },
            frame.glue_ctx,
        )
