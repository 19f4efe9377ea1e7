"""`pricebook init DIR` prints a next step that pastes into a shell, whatever the folder is called."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]


@pytest.mark.parametrize("folder", ["Big Co Pricing", "it's-pricing", "plain"])
def test_the_next_command_quotes_the_folder(cli: Cli, tmp_path: Path, folder: str) -> None:
    res = cli("init", folder, cwd=tmp_path)
    assert res.code == 0, res.err
    line = res.out.rstrip().splitlines()[-1]
    assert line == f"next: cd {shlex.quote(folder)} && pricebook validate"
    command = line.removeprefix("next: ")
    assert shlex.split(command)[:3] == ["cd", folder, "&&"]
    # pasted into a shell, it gets into the new folder (pwd stands in for pricebook validate)
    ran = subprocess.run(["sh", "-c", command.replace("pricebook validate", "pwd")], cwd=tmp_path,
                         capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert Path(ran.stdout.strip()) == (tmp_path / folder).resolve()
