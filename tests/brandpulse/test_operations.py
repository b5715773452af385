"""Running BrandPulse under a supervisor, cron or a log collector: logs are one line each on stderr
(plain or JSON) and never mixed into a command's output; `collect --once` tells by its exit status
whether some or all sources failed; `status` and `mentions` answer in JSON for scripts; a missing
optional piece (the PostgreSQL driver, chromium) is one line saying what to install."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.cli.core import EXIT_ALL_SOURCES_FAILED, EXIT_SOME_SOURCES_FAILED
from brandpulse.config import load_config
from tests.alerts.conftest import closed_port  # noqa: F401 (a fixture: a port nobody listens on)
from tests.brandpulse.conftest import write_stream
from tests.support.postgres import free_port

ROOT = Path(__file__).parents[2]
PLAIN_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")


def write_config(tmp_path: Path, *, replay: Path, rss_port: int | None = None) -> Path:
    """A config collecting from a replay file and, with `rss_port`, from a feed on a port nobody
    listens on (that source fails at once: no retries)."""
    rss = textwrap.dedent(f"""\
          rss:
            feeds: ["http://127.0.0.1:{rss_port}/feed.xml"]
            max_retries: 0
        """) if rss_port else ""
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent(f"""\
        database: sqlite:///{tmp_path / "brandpulse.db"}
        brands:
          - name: Lumora
            terms: [Lumora]
        sources:
          replay:
            path: {replay}
            max_retries: 0
        """) + textwrap.indent(rss, "  "), encoding="utf-8")
    return path


def brandpulse(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, stdout and stderr apart."""
    return subprocess.run([sys.executable, "-m", "brandpulse", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=120, check=False)


def invoke(config: Path, *args: str):
    return CliRunner().invoke(app, ["-c", str(config), *args], catch_exceptions=False)


# ------------------------------------------------------------------------------------ collect --once


def test_collect_once_exits_0_when_every_source_collected(tmp_path):
    config = write_config(tmp_path, replay=write_stream(tmp_path / "stream.jsonl", 3))
    result = invoke(config, "collect", "--once")
    assert result.exit_code == 0, result.output


def test_collect_once_exits_3_when_some_sources_failed_and_keeps_what_the_others_brought(tmp_path, closed_port):  # noqa: F811
    config = write_config(tmp_path, replay=write_stream(tmp_path / "stream.jsonl", 3), rss_port=closed_port)
    result = invoke(config, "collect", "--once")
    assert result.exit_code == EXIT_SOME_SOURCES_FAILED == 3
    assert re.search(r"replay\s*│\s*\d+\s*│\s*3\s*│\s*3\s*│", result.output)  # calls, fetched 3, new 3
    assert "rss: Lumora:" in " ".join(result.output.split())


def test_collect_once_exits_4_when_every_source_failed(tmp_path, closed_port):  # noqa: F811
    config = write_config(tmp_path, replay=tmp_path / "missing.jsonl", rss_port=closed_port)
    result = invoke(config, "collect", "--once")
    assert result.exit_code == EXIT_ALL_SOURCES_FAILED == 4
    assert "cannot read" in " ".join(result.output.split())


# ------------------------------------------------------------------------------------------- logs


def test_logs_go_to_stderr_one_timestamped_line_each_and_never_into_the_output(tmp_path):
    config = write_config(tmp_path, replay=tmp_path / "missing.jsonl")
    result = brandpulse("-c", str(config), "collect", "--once")
    assert result.returncode == EXIT_ALL_SOURCES_FAILED
    lines = result.stderr.strip().splitlines()
    assert lines and all(PLAIN_LOG_LINE.match(line) for line in lines), result.stderr
    assert any(" ERROR brandpulse.jobs: collect replay for Lumora failed: " in line for line in lines)
    assert "Collected" in result.stdout and not PLAIN_LOG_LINE.search(result.stdout)
    assert not any(PLAIN_LOG_LINE.match(line) for line in result.stdout.splitlines())


def test_log_format_json_writes_one_object_per_line_for_collectors(tmp_path):
    config = write_config(tmp_path, replay=tmp_path / "missing.jsonl")
    result = brandpulse("-c", str(config), "--log-format", "json", "collect", "--once")
    entries = [json.loads(line) for line in result.stderr.strip().splitlines()]
    failure = next(e for e in entries if e["logger"] == "brandpulse.jobs" and e["level"] == "ERROR")
    assert failure["message"].startswith("collect replay for Lumora failed: ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", failure["time"])
    assert failure["pid"] > 0
    same = brandpulse("-c", str(config), "collect", "--once", env={"BRANDPULSE_LOG_FORMAT": "json"})
    assert all(json.loads(line)["logger"] for line in same.stderr.strip().splitlines())


# ------------------------------------------------------------------------------------------- JSON


def test_status_json_is_one_document_with_jobs_counts_backlog_alerts_and_channels(tmp_path):
    config = write_config(tmp_path, replay=write_stream(tmp_path / "stream.jsonl", 4))
    invoke(config, "collect", "--once")
    result = brandpulse("-c", str(config), "status", "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    assert status["scoring_backlog"] == 4
    [brand] = status["brands"]
    assert (brand["brand"], brand["mentions"], brand["scored"]) == ("Lumora", 4, 0)
    [run] = status["jobs"]
    assert (run["job"], run["status"], run["counts"]["new"]) == ("collect:replay", "ok", 4)
    assert run["finished_at"] >= run["started_at"]
    assert status["alerts"] == [] and status["channels"] == []


def test_mentions_json_is_one_array_of_the_filtered_mentions(tmp_path):
    config = write_config(tmp_path, replay=write_stream(tmp_path / "stream.jsonl", 5))
    invoke(config, "collect", "--once")
    result = brandpulse("-c", str(config), "mentions", "--json", "--limit", "2")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert [m["text"] for m in found] == ["Lumora Halo note number 4", "Lumora Halo note number 3"]
    assert found[0]["brand"] == "Lumora" and found[0]["created_at"].startswith("2026-03-02T00:40:00")


# ------------------------------------------------------------------------------- optional pieces


def test_postgresql_without_its_driver_says_which_extra_to_install(tmp_path):
    """As after `pip install brandpulse` without `[postgres]`: psycopg cannot be imported."""
    config = tmp_path / "brandpulse.yaml"
    config.write_text("database: postgresql://brandpulse:hunter2@db.example/brandpulse\n"
                      "brands:\n  - name: Lumora\n    terms: [Lumora]\n", encoding="utf-8")
    without_psycopg = ("import sys; sys.modules['psycopg'] = None; sys.modules['psycopg2'] = None; "
                       "from brandpulse.cli import main; sys.argv = ['brandpulse', *sys.argv[1:]]; main()")
    result = subprocess.run([sys.executable, "-c", without_psycopg, "-c", str(config), "status"], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
                            check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "hunter2" not in result.stderr + result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line == ("error: the database postgresql://brandpulse:***@db.example/brandpulse needs the PostgreSQL "
                    "driver: install BrandPulse with its postgres extra (pip install 'brandpulse[postgres]')")


def test_report_without_chromium_writes_the_html_and_says_the_pdf_needs_chromium(tmp_path, monkeypatch):
    config = write_config(tmp_path, replay=write_stream(tmp_path / "stream.jsonl", 5))
    invoke(config, "collect", "--once")
    monkeypatch.setenv("PATH", str(tmp_path / "no-browsers"))
    monkeypatch.delenv("BRANDPULSE_CHROMIUM", raising=False)
    result = invoke(config, "report", "--brand", "Lumora", "--from", "2026-03-02", "--to", "2026-03-02",
                    "--no-themes")
    assert result.exit_code == 0, result.output
    html = tmp_path / "feedback-reports" / "Lumora-2026-03-02-2026-03-02.html"
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert not html.with_suffix(".pdf").exists()
    said = " ".join(result.output.split())
    assert "no PDF: a PDF needs chromium (apt-get install chromium) or $BRANDPULSE_CHROMIUM" in said


# ---------------------------------------------------------------------------------------- metrics


@pytest.mark.parametrize(("listen", "host", "port"), [
    ("0.0.0.0:9464", "0.0.0.0", 9464), ("9464", "127.0.0.1", 9464), (":9100", "127.0.0.1", 9100),
    ("[::]:9464", "::", 9464), (None, "127.0.0.1", None)])
def test_metrics_listen_is_host_and_port_with_loopback_by_default(tmp_path, listen, host, port):
    config = write_config(tmp_path, replay=tmp_path / "stream.jsonl")
    if listen is not None:
        config.write_text(config.read_text(encoding="utf-8") + f'metrics:\n  listen: "{listen}"\n', encoding="utf-8")
    loaded = load_config(config).metrics
    assert (loaded.host, loaded.port) == (host, port)


def test_a_bad_metrics_listen_fails_at_start_with_its_line(tmp_path):
    config = write_config(tmp_path, replay=tmp_path / "stream.jsonl")
    config.write_text(config.read_text(encoding="utf-8") + "metrics:\n  listen: 0.0.0.0:http\n", encoding="utf-8")
    result = invoke(config, "status")
    assert result.exit_code == 2
    assert "brandpulse.yaml:10: metrics.listen: listen is host:port (e.g. 0.0.0.0:9464)" in " ".join(
        result.output.split())


def test_the_metrics_command_listens_where_the_config_says(tmp_path):
    """`metrics.listen: 0.0.0.0:PORT` serves /metrics on every interface, the process series included."""
    port = free_port()
    config = write_config(tmp_path, replay=tmp_path / "stream.jsonl")
    config.write_text(config.read_text(encoding="utf-8") + f"metrics:\n  listen: 0.0.0.0:{port}\n", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "brandpulse", "-c", str(config), "metrics"], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert f"Serving http://0.0.0.0:{port}/metrics" in server.stdout.readline()
        addresses = {"127.0.0.1", *outward_addresses()}
        for address in addresses:
            with urllib.request.urlopen(f"http://{address}:{port}/metrics", timeout=10) as response:
                text = response.read().decode()
            assert "brandpulse_database_up 1.0" in text and "process_resident_memory_bytes" in text
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.returncode == 0


def outward_addresses() -> set[str]:
    """This machine's non-loopback IPv4 addresses (none in a sandbox without a network)."""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    except OSError:
        return set()
    return {address for address in found if not address.startswith("127.")}
