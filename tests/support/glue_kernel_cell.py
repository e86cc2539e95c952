"""Run one notebook cell through Glue's Jupyter kernel (``aws-glue-sessions``) with
``jupyter_client``, and print what the kernel answered as JSON.

Run by the Python that has the kernel installed (scripts/glue-kernel.sh makes one): its
own venv, since the kernel pins Jupyter packages stoker does not need. The kernel's
configuration comes from the environment the caller sets (docs/glue-api.md).
Usage: python glue_kernel_cell.py CODE
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager

#: The kernel waits for its session to be READY before it runs the cell.
TIMEOUT = 300


def install_spec(root: Path) -> None:
    """The kernel's spec, as ``install-glue-kernels`` writes it, pointing at this Python."""
    spec = root / "kernels" / "glue_pyspark"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "aws_glue_interactive_sessions_kernel.glue_pyspark.GlueKernel",
            "-f", "{connection_file}"]  # fmt: skip
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Glue PySpark",
                                                  "language": "python"}))  # fmt: skip
    os.environ["JUPYTER_PATH"] = str(root)


def run_cell(code: str) -> dict[str, Any]:
    manager = KernelManager(kernel_name="glue_pyspark")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        streams: list[str] = []
        reply = client.execute_interactive(
            code, timeout=TIMEOUT,
            output_hook=lambda msg: streams.append(msg["content"].get("text", "")),
        )  # fmt: skip
        content = reply["content"]
        stop = client.execute_interactive("%stop_session", timeout=60,
                                          output_hook=lambda msg: None)  # fmt: skip
        return {"status": content["status"], "streams": "".join(streams),
                "ename": content.get("ename"), "stopped": stop["content"]["status"]}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        install_spec(Path(tmp))
        print(json.dumps(run_cell(sys.argv[1])))
