"""The import contracts hold the architecture, and docs/architecture.md shows them as they are."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
CONTRACTS = PYPROJECT["tool"]["importlinter"]["contracts"]
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text()


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package and its contracts, to break on purpose."""
    root = tmp_path_factory.mktemp("contracts")
    shutil.copytree(REPO / "stoker", root / "stoker", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        ("domain/states.py", "import stoker.store.runs", "domain is pure"),
        ("executors/runner.py", "import stoker.store.engine", "executors never touch"),
        ("triggers/batching.py", "import stoker.metrics.registry", "layers"),
        ("api/paging.py", "import stoker.store.jobs", "the API reaches state"),
    ],
)
def test_a_deliberately_wrong_import_breaks_lint(
    tree: Path, module: str, wrong_import: str, broken: str
) -> None:
    path = tree / "stoker" / module
    original = path.read_text()
    path.write_text(original + f"\n{wrong_import}  # noqa\n")
    try:
        result = lint(tree)
    finally:
        path.write_text(original)
    assert result.returncode != 0, result.stdout
    assert re.search(rf"^{re.escape(broken)}.* BROKEN$", result.stdout, re.M), result.stdout


def test_the_layers_on_the_page_are_the_contract() -> None:
    (layers,) = [c for c in CONTRACTS if c["type"] == "layers"]
    block = re.search(r"## The tree, floor by floor.*?```text\n(.*?)```", ARCHITECTURE, re.S)
    assert block is not None
    assert block[1].splitlines() == layers["layers"]


def test_every_package_and_contract_is_on_the_page() -> None:
    tops = {
        p.name
        for p in (REPO / "stoker").iterdir()
        if (p / "__init__.py").exists() or (p.suffix == ".py" and p.name != "__init__.py")
    }
    missing = sorted(t for t in tops if f"`stoker/{t}`" not in ARCHITECTURE)
    assert missing == [], f"packages docs/architecture.md does not show: {missing}"
    names = [c["name"] for c in CONTRACTS]
    assert [n for n in names if f"| {n} |" not in ARCHITECTURE] == []
