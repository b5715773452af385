"""The wheel installs one namespace, `brandpulse`: the library folders at the top of the repository
(listeners/, sentiment/, storage/, alerts/, reports/) go in as brandpulse.listeners, ... so they never
clash with PyPI distributions of those generic names, and the data files they read go with them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "-w", str(out), str(ROOT)], check=True, capture_output=True)
    [wheel] = out.glob("brandpulse-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def test_the_wheel_installs_nothing_beside_the_brandpulse_namespace(wheel_names):
    top_level = {name.split("/")[0] for name in wheel_names}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {"brandpulse"}


def test_the_library_packages_and_their_data_files_live_inside_it(wheel_names):
    for module in ("listeners/x.py", "sentiment/loading.py", "storage/engine.py", "alerts/burst.py",
                   "reports/web/app.py", "storage/migrations/env.py",
                   "storage/migrations/versions/0001_initial_schema.py", "sentiment/model/adapter.safetensors",
                   "reports/templates/report.html", "demo/data/stream.jsonl.gz", "templates/brandpulse.yaml"):
        assert f"brandpulse/{module}" in wheel_names, module
