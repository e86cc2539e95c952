"""Glue's --additional-python-modules and --python-modules-installer-option as pip takes
them: the list, pip's options as its environment variables, pip's error out of its log."""

from __future__ import annotations

from pathlib import Path

import pytest

from stoker.errors import InvalidInput
from stoker.executors.modules import installer_env, parse_modules, pip_error


def test_the_module_list_is_comma_separated() -> None:
    assert parse_modules(" tiny==1.0, /w/a-1-py3-none-any.whl ,,") == [
        "tiny==1.0", "/w/a-1-py3-none-any.whl"]  # fmt: skip
    assert parse_modules("") == []


def test_pip_options_become_its_environment_variables() -> None:
    env = installer_env("--upgrade -i https://u:p@idx/simple --extra-index-url=https://a "
                        "--extra-index-url https://b --no-deps")  # fmt: skip
    assert env == {"PIP_UPGRADE": "1", "PIP_INDEX_URL": "https://u:p@idx/simple",
                   "PIP_EXTRA_INDEX_URL": "https://a https://b", "PIP_NO_DEPS": "1"}  # fmt: skip
    assert installer_env("") == {}


@pytest.mark.parametrize("options", ["-x", "--", "plain", "'unclosed"])
def test_options_pip_cannot_take_from_its_environment_are_refused(options: str) -> None:
    with pytest.raises(InvalidInput, match="--python-modules-installer-option"):
        installer_env(options)


def test_pips_error_is_its_error_lines(tmp_path: Path) -> None:
    log = tmp_path / "driver.log"
    log.write_text("Collecting nope\nERROR: Could not find a version\nERROR: No matching\n")
    assert pip_error(log) == "ERROR: Could not find a version\nERROR: No matching"
    log.write_text("one\ntwo\n")
    assert pip_error(log) == "one\ntwo"
    assert pip_error(tmp_path / "missing.log") == "pip said nothing"
