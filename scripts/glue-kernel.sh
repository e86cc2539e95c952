#!/usr/bin/env bash
# A venv with Glue's Jupyter kernel (aws-glue-sessions) and jupyter_client, for the test
# that drives the kernel against stoker (tests/acceptance/test_glue_kernel.py). Its own
# venv: the kernel brings JupyterLab and pins that stoker's venv does not need.
# Usage: scripts/glue-kernel.sh [DIR]   (default .venv-glue-kernel); prints its python.
set -euo pipefail
dir="${1:-.venv-glue-kernel}"
python="${PYTHON:-python3}"
if [ ! -x "$dir/bin/python" ]; then
    "$python" -m venv "$dir"
fi
if ! "$dir/bin/python" -c 'import aws_glue_interactive_sessions_kernel, jupyter_client' 2>/dev/null; then
    "$dir/bin/pip" install --quiet --disable-pip-version-check "aws-glue-sessions==1.0.9" \
        "jupyter_client>=8" >&2
fi
echo "$dir/bin/python"
