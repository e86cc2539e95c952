"""The job definition's fields are listed once (definitions.files); the API bodies match."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from stoker.api.schemas.common import same_fields
from stoker.api.schemas.jobs import CommandIn, JobIn, ResourcesIn
from stoker.definitions.files import COMMAND_FIELDS, JOB_FIELDS, JOB_SPEC, RESOURCE_FIELDS


def test_the_request_bodies_have_exactly_the_shared_fields() -> None:
    assert set(JobIn.model_fields) == set(JOB_FIELDS)
    assert set(CommandIn.model_fields) == set(COMMAND_FIELDS)
    assert set(ResourcesIn.model_fields) == set(RESOURCE_FIELDS)
    assert set(JOB_SPEC) == {*JOB_FIELDS, "script_file"}


def test_a_body_that_drifts_from_the_list_cannot_be_defined() -> None:
    class Drifted(BaseModel):
        name: str
        retries: int

    with pytest.raises(TypeError, match=r"missing \['description'\], extra \['retries'\]"):
        same_fields(Drifted, ("name", "description"))
