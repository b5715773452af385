"""`brandpulse --version` names the installed version and needs neither a config nor a command."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

import brandpulse
from brandpulse.cli import app


def test_version_prints_the_package_version_and_exits_zero(tmp_path) -> None:
    result = CliRunner().invoke(app, ["-c", str(tmp_path / "missing.yaml"), "--version"])
    assert result.exit_code == 0
    assert result.output == f"brandpulse {brandpulse.__version__}\n"


def test_version_from_the_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "brandpulse", "--version"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"brandpulse {brandpulse.__version__}"
