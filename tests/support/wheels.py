"""A wheel of one pure-Python module, made on the spot: pip installs it from its path,
offline (``--additional-python-modules`` in tests and benchmarks)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

#: The module the wheel holds, and what ``stoker_probe.VALUE`` is.
MODULE = "stoker_probe"
VALUE = "probe 1.0"


def tiny_wheel(directory: Path) -> Path:
    info = f"{MODULE}-1.0.dist-info"
    files = {
        f"{MODULE}.py": f"VALUE = {VALUE!r}\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\nName: stoker-probe\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = [f"{name},sha256={_digest(text)},{len(text)}" for name, text in files.items()]
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,", ""])
    wheel = directory / f"{MODULE}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def _digest(text: str) -> str:
    raw = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
