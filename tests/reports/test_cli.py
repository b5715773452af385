"""`brandpulse report` and `brandpulse serve`, wired from the config file."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.reports.conftest import MODEL


@pytest.fixture
def config_file(tmp_path, sqlite_seeded):
    engine, _ = sqlite_seeded
    path = tmp_path / "brandpulse.yaml"
    path.write_text(f"""
database: sqlite:///{engine.url.database}
brands:
  - name: Lumora
    terms: [Lumora, 路莫拉]
    competitors: [Novex]
  - name: Novex
    terms: [Novex]
""", encoding="utf-8")
    return path


@pytest.fixture
def cli(monkeypatch):
    from brandpulse import cli as package
    from brandpulse.runtime import Runtime

    monkeypatch.setattr(Runtime, "model_id", lambda runtime: MODEL)  # the seeded scores' model
    return package.app


def test_report_writes_the_html_for_each_chosen_brand(cli, config_file, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["--config", str(config_file), "report", "--brand", "Lumora", "--from",
                                      "2026-03-01", "--to", "2026-03-28", "--no-pdf", "--no-themes", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "Lumora-2026-03-01-2026-03-28.html").exists()
    assert "Lumora" in result.output and "mentions" in result.output


def test_report_goes_beside_the_config_file_by_default(cli, config_file, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(cli, ["--config", str(config_file), "report", "--brand", "Novex", "--from",
                                      "2026-03-01", "--to", "2026-03-28", "--no-pdf", "--no-themes"])
    assert result.exit_code == 0, result.output
    assert (config_file.parent / "feedback-reports" / "Novex-2026-03-01-2026-03-28.html").exists()
    assert not (elsewhere / "feedback-reports").exists()


def test_report_refuses_unknown_brands_and_reversed_periods(cli, config_file):
    runner = CliRunner()
    unknown = runner.invoke(cli, ["--config", str(config_file), "report", "--brand", "Nobody", "--no-pdf"])
    assert unknown.exit_code == 1 and "Nobody" in unknown.output
    reversed_ = runner.invoke(cli, ["--config", str(config_file), "report", "--from", "2026-03-10", "--to",
                                    "2026-03-01", "--no-pdf"])
    assert reversed_.exit_code == 1


def test_serve_refuses_a_public_bind_without_a_token(cli, config_file, monkeypatch):
    monkeypatch.delenv("BRANDPULSE_DASHBOARD_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["--config", str(config_file), "serve", "--host", "0.0.0.0", "--no-themes"])
    assert result.exit_code == 2
    assert "token" in result.output
