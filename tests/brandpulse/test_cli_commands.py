"""The pipeline's commands as a user runs them: `init` writes a config that works, `import`, `score`
and `evaluate` take mentions from an export to a delivered alert, `demo`'s closing summary tells what
happened, and a database that cannot be reached is one clear line, not a traceback.

Scoring uses the stand-in word-list scorer (`model: standin`), not the real transformer model: these
tests are about the commands, and the stand-in takes microseconds where the model takes seconds."""

from __future__ import annotations

import csv
import io
import json
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import func, select
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.cli.core import TEMPLATE
from brandpulse.config import load_config
from brandpulse.demo_summary import notification_counts, print_summary, shown_database
from brandpulse.runtime import Runtime
from brandpulse.storage.engine import create_database_engine
from brandpulse.storage.schema import job_runs, mentions
from tests.alerts.conftest import closed_port  # noqa: F401 (a fixture: a port nobody listens on)
from tests.scale.standin import MODEL_ID, install

ROOT = Path(__file__).parents[2]


def run(config_file: Path, *args: str):
    return CliRunner().invoke(app, ["-c", str(config_file), *args], catch_exceptions=False)


def said(result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def unfolded(text: str) -> str:
    """`text` without any whitespace: rich folds a long path wherever the line ends."""
    return "".join(text.split())


@pytest.fixture
def standin_model():
    """`model: standin` scores with the stand-in word-list scorer, in this process."""
    undo = install()
    yield
    undo()


# ------------------------------------------------------------------------------------------- init


def test_init_writes_the_annotated_example_and_creates_its_database(tmp_path):
    config = tmp_path / "site" / "brandpulse.yaml"
    result = run(config, "init")
    assert result.exit_code == 0, result.output
    assert unfolded(f"Wrote {config} and created the database") in unfolded(result.output)
    assert config.read_text(encoding="utf-8") == TEMPLATE.read_text(encoding="utf-8")
    written = load_config(config)
    assert [brand.name for brand in written.brands] == ["Acme", "Globex"]
    assert (tmp_path / "site" / "brandpulse.db").exists()  # beside the config, as `database:` says
    assert run(config, "status").exit_code == 0


def test_init_keeps_an_existing_config_unless_forced(tmp_path):
    config = tmp_path / "brandpulse.yaml"
    config.write_text("# mine\n", encoding="utf-8")
    refused = run(config, "init")
    assert refused.exit_code == 1
    assert unfolded(f"{config} exists; use --force to overwrite it") in unfolded(refused.output)
    assert config.read_text(encoding="utf-8") == "# mine\n"
    assert run(config, "init", "--force").exit_code == 0
    assert load_config(config).brands


def test_the_shipped_example_config_is_the_one_init_writes_and_loads():
    example = ROOT / "examples" / "brandpulse.yaml"
    assert example.read_text(encoding="utf-8") == TEMPLATE.read_text(encoding="utf-8")
    config = load_config(example)
    assert set(config.sources) == {"hackernews", "rss"}
    assert "NegativeSpike" in {rule.name for rule in config.alerts.rules}


# ------------------------------------------------------------------ import, score, evaluate, summary

def write_calm_days_and_a_spike(path: Path) -> datetime:
    """Three calm days (four mentions an hour, one a complaint), then 30 complaints in the last
    complete hour, which `evaluate` judges. Only the first complaint names its author (@ana, who
    reaches 900 people); the second reaches 800, the rest nobody. Returns the spike's hour.

    Near the end of an hour it first waits for the next one, so that the spike's hour stays the
    last complete one while the test runs its commands."""
    now = datetime.now(UTC)
    if now.minute == 59:
        time.sleep(61 - now.second)
        now = datetime.now(UTC)
    spike = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    rows = [(spike - timedelta(days=3) + i * timedelta(minutes=15),
             "Lumora Halo is awful" if i % 4 == 0 else "Lumora Halo arrived", "", "") for i in range(4 * 24 * 3)]
    rows += [(spike + i * timedelta(minutes=2), "Lumora Halo broke, awful", *{0: ("@ana", 900), 1: ("", 800)}.get(
        i, ("", ""))) for i in range(30)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "date", "content", "brand", "author", "followers"])
        writer.writerows((1000 + i, moment.isoformat(), text, "Lumora", author, reach)
                         for i, (moment, text, author, reach) in enumerate(rows))
    return spike


@pytest.fixture
def config_file(tmp_path, database_url, standin_model):
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent(f"""\
        database: {database_url}
        model: standin
        brands:
          - name: Lumora
            terms: [Lumora]
          - name: Brevio
            terms: [Brevio]
        alerts:
          bucket: 1h
          rules:
            - name: NegativeSpike
              metric: negative
              for: 0s
          route:
            receiver: alert-log
            group_by: [alertname, brand]
            group_wait: 0s
          receivers:
            - name: alert-log
              file:
                path: {tmp_path / "alerts.jsonl"}
        """), encoding="utf-8")
    return path


def test_score_scores_every_imported_mention_with_the_configured_model(tmp_path, config_file):
    export = tmp_path / "export.csv"
    write_calm_days_and_a_spike(export)
    assert "318 new" in said(run(config_file, "import", str(export)))
    result = run(config_file, "score")
    assert result.exit_code == 0, result.output
    assert f"Scored 318 mentions with {MODEL_ID}: 102 negative, 216 neutral, 0 positive." in said(result)
    assert "Scored 0 mentions" in said(run(config_file, "score")), "nothing is scored twice"
    listed = run(config_file, "mentions", "--sentiment", "negative", "--format", "json", "--limit", "0")
    assert len(listed.output.splitlines()) == 102


#: `find_mentions`/`top_reached` frames give NaN, not None, for a missing author when some rows have one,
#: and the alert's context (brandpulse/alerting.py) stores that NaN: PostgreSQL's JSON refuses it.
def test_evaluate_fires_on_the_spike_and_delivers_the_alert(tmp_path, config_file, database_url):
    write_calm_days_and_a_spike(tmp_path / "export.csv")
    run(config_file, "import", str(tmp_path / "export.csv"))
    run(config_file, "score")
    result = run(config_file, "evaluate")
    assert result.exit_code == 0, result.output
    assert "Evaluated 2 series: 1 alert(s) firing, 1 notification(s) queued." in said(result)
    [(alert, count)] = [(key, count) for key, (count, _) in notification_counts(tmp_path / "alerts.jsonl").items()]
    assert (alert, count) == (("NegativeSpike", "Lumora"), 1)
    again = run(config_file, "evaluate")
    assert "1 alert(s) firing, 0 notification(s) queued." in said(again), "an alert notifies once"
    runtime = Runtime.open(load_config(config_file))
    with runtime.engine.connect() as connection:
        runs = connection.execute(select(job_runs.c.job, job_runs.c.status).order_by(job_runs.c.id)).all()
    runtime.close()
    assert [tuple(row) for row in runs] == [("score", "ok"), ("evaluate", "ok"), ("send", "ok"),
                                            ("evaluate", "ok"), ("send", "ok")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the demo's database
def test_the_demo_summary_tells_what_was_collected_what_fired_and_where_to_look(tmp_path, config_file):
    spike = write_calm_days_and_a_spike(tmp_path / "export.csv")
    run(config_file, "import", str(tmp_path / "export.csv"))
    run(config_file, "score")
    run(config_file, "evaluate")
    runtime = Runtime.open(load_config(config_file))
    printed = io.StringIO()
    try:
        print_summary(runtime, tmp_path, Console(file=printed, width=200))
    finally:
        runtime.close()
    lines = printed.getvalue().splitlines()
    summary = " ".join(printed.getvalue().split())
    assert "Mentions collected" in summary and "│ Lumora │ 318 │ 318 │" in summary
    assert "Daily sentiment (model standin-lexicon@1)" in summary
    fired = spike + timedelta(hours=1)  # when the spike's hour was complete: this run of `evaluate`
    assert f"ALERT NegativeSpike for Lumora: fired {fired:%a %b %d %H}:" in summary
    samples = [line.split("] ", 1)[1] for line in lines if line.startswith("  • ")]
    assert samples == ["@ana (900 reach): Lumora Halo broke, awful",  # the alert's most-reached posts...
                       " (800 reach): Lumora Halo broke, awful",     # ...with or without an author
                       " (0 reach): Lumora Halo broke, awful"]
    assert "Notifications delivered: NegativeSpike for Lumora x1" in summary
    # The complaints opened cases nobody answered; no response-time check ran, so no SLA alert is in the log.
    assert "Response inbox" in summary and "│ Lumora │" in summary.split("Response inbox", 1)[1]
    assert "SLA alerts: 0 case(s) waited past their response target" in summary
    assert f"Chart: {tmp_path / 'sentiment.png'}" in summary and (tmp_path / "sentiment.png").exists()
    assert f"Alert log: {tmp_path / 'alerts.jsonl'} (1 notifications)" in summary


# --------------------------------------------------------------------------------- the database


def test_an_unreachable_database_is_one_line_naming_it_without_its_password(tmp_path, closed_port):  # noqa: F811
    config = tmp_path / "brandpulse.yaml"
    config.write_text(f"database: postgresql://brandpulse:hunter2@127.0.0.1:{closed_port}/brandpulse\n"
                      "brands:\n  - name: Lumora\n    terms: [Lumora]\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["-c", str(config), "status"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "hunter2" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: cannot open the database postgresql://brandpulse:***@127.0.0.1:{closed_port}"
                           "/brandpulse: ")
    assert "Connection refused" in line


def test_import_commits_in_batches_and_shows_its_progress(tmp_path, database_url, monkeypatch):
    """A large export is committed 1000 mentions at a time (10 here): no transaction holds it all, and
    an interrupted import keeps what it stored."""
    from brandpulse.cli import data

    config = tmp_path / "brandpulse.yaml"
    config.write_text(f"database: {database_url}\nbrands:\n  - name: Lumora\n    terms: [Lumora]\n", encoding="utf-8")
    export = tmp_path / "export.jsonl"
    export.write_text("".join(json.dumps({"id": i, "date": "2026-03-02T10:00:00Z", "text": f"Lumora note {i}",
                                          "brand": "Lumora"}) + "\n" for i in range(25)), encoding="utf-8")
    monkeypatch.setattr(data, "IMPORT_BATCH", 10)
    onlooker = create_database_engine(database_url)
    committed_before_each_batch = []
    real_store = data.store_mentions

    def store(connection, brand, batch):
        with onlooker.connect() as other:
            committed_before_each_batch.append(other.execute(select(func.count()).select_from(mentions)).scalar_one())
        return real_store(connection, brand, batch)

    monkeypatch.setattr(data, "store_mentions", store)
    result = run(config, "import", str(export))
    onlooker.dispose()
    assert result.exit_code == 0, result.output
    assert "importing" in result.output and "25 rows" in result.output
    assert "25 new, 0 already stored, 0 rejected" in said(result)
    assert committed_before_each_batch == [0, 10, 20]


def test_the_demo_summary_shows_a_database_in_the_working_directory_by_its_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shown_database(f"sqlite:///{tmp_path / 'demo-output' / 'brandpulse.db'}") == "demo-output/brandpulse.db"
    assert shown_database("sqlite:////elsewhere/brandpulse.db") == "sqlite:////elsewhere/brandpulse.db"
    assert shown_database("postgresql://bp:s3cret@db/bp") == "postgresql://bp:***@db/bp"
