"""tools/glue_corpus/survey.py: what it counts as a gap in a Glue script, read from stoker."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.daemon import REPO


@pytest.fixture(scope="module")
def survey() -> ModuleType:
    spec = importlib.util.spec_from_file_location("survey", REPO / "tools/glue_corpus/survey.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["survey"] = module  # its dataclass resolves annotations through it
    spec.loader.exec_module(module)
    return module


GENERATED = """
import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from awsglue.context import GlueContext
from awsglue.job import Job
args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
src = glueContext.create_dynamic_frame.from_options(format_options={"quoteChar": '"',
    "withHeader": True, "separator": ",", "optimizePerformance": False}, connection_type="s3",
    format="csv", connection_options={"paths": ["s3://in/"], "recurse": True},
    transformation_ctx="src")
mapped = ApplyMapping.apply(frame=src, mappings=[("a", "string", "a", "int")])
glueContext.write_dynamic_frame.from_options(frame=mapped, connection_type="s3",
    format="glueparquet", connection_options={"path": "s3://out/", "partitionKeys": []},
    format_options={"compression": "snappy"}, transformation_ctx="sink")
job.commit()
"""

GAPS = """
from awsglue.transforms import *
from awsglue.context import GlueContext
from awsglueml.transforms import FindMatches
g = GlueContext(sc)
a = g.create_dynamic_frame.from_options("s3", {"paths": [p], "bar": 1}, "csv", {"foo": 2})
g.write_dynamic_frame.from_options(frame=a, connection_type="dynamodb", connection_options={})
g.create_dynamic_frame.from_rdd(rdd, "x")
b = FillMissingValues.apply(a)
c = a.simplify_ddb_json()
g.getSink(connection_type="s3", path="s3://x").setFormat("xml")
"""


def test_a_generated_script_is_supported(survey: ModuleType, tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(GENERATED)
    report = survey.survey(script)
    assert report.gaps == set()
    assert {"awsglue.transforms.ApplyMapping", "format glueparquet", "connection_type s3",
            "create_dynamic_frame.from_options"} <= report.used  # fmt: skip


def test_gaps_are_named_from_stokers_own_checks(survey: ModuleType, tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(GAPS)
    assert survey.survey(script).gaps == {
        "import awsglueml.transforms", "s3 connection option(s) 'bar'",
        "format option 'foo' for csv", "connection_type dynamodb",
        "create_dynamic_frame.from_rdd", "awsglue.transforms.FillMissingValues",
        "simplify_ddb_json", "format xml",
    }  # fmt: skip


def test_a_python2_script_is_reported_not_counted(
    survey: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old.py").write_text("print 'hello'\n")
    (tmp_path / "job.py").write_text(GENERATED)
    assert survey.main([str(tmp_path), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "old.py\tdoes not parse" in out
    assert "scripts: 2, parsed: 1, supported: 1 (100.0 %)" in out
