"""``import awsglue`` resolves to stoker's packages inside a run, and nowhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.daemon import REPO

PROBE = "import awsglue.utils, sys; print(awsglue.utils.__file__)"


def python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=60, check=False)  # fmt: skip


def test_outside_a_run_awsglue_is_not_shadowed() -> None:
    done = python("import stoker.glue, stoker.glue.context, stoker.executors.runner\n" + PROBE)
    assert done.returncode != 0
    assert "No module named 'awsglue'" in done.stderr


def test_inside_a_run_awsglue_is_stokers(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    out = tmp_path / "where.txt"
    script.write_text(
        "import sys\nimport awsglue.utils\nfrom awsglue.utils import getResolvedOptions\n"
        "args = getResolvedOptions(sys.argv, ['JOB_NAME'])\n"
        f"open({str(out)!r}, 'w').write(awsglue.utils.__file__ + ' ' + args['JOB_NAME'])\n"
    )
    code = (f"from stoker.executors.runner import run_script\n"
            f"print(run_script({str(script)!r}, ['--JOB_NAME', 'j'], {{}}).outcome)")  # fmt: skip
    done = python(code)
    assert done.stdout.strip() == "SUCCEEDED", done.stderr
    where, name = out.read_text().split()
    assert where.startswith(str(REPO / "stoker" / "glue" / "site")) and name == "j"


def test_the_laptop_opt_in_puts_the_packages_on_the_path() -> None:
    done = python("from stoker.glue.testing import enable\nenable()\n" + PROBE)
    assert done.returncode == 0, done.stderr
    assert "stoker/glue/site/awsglue/utils.py" in done.stdout
