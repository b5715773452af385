"""The on-call commands as a person runs them: `silence add|list|expire` (a silence that would mute
everything is refused in one line), `alerts test RECEIVER` (a real webhook receiver on 127.0.0.1) and
`alerts ack` (no repeat notifications for an alert someone is on), `alerts list --json`, and `alerts
backtest` over a CSV series (no config needed) and over a brand's stored history."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from brandpulse.alerts.model import AlertBook, AlertState, fingerprint
from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.listeners.records import Mention
from brandpulse.runtime import Runtime
from brandpulse.sentiment.records import Sentiment
from brandpulse.storage.alert_store import save_alert_book
from brandpulse.storage.mentions import store_mentions
from brandpulse.storage.scoring import claim_unscored, save_scores
from brandpulse.storage.silences import load_acknowledgements, load_silences


@pytest.fixture
def config_file(tmp_path, http_server) -> Path:
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent(f"""\
        database: sqlite:///{tmp_path / "pulse.db"}
        brands:
          - name: Lumora
            terms: [Lumora]
        alerts:
          route:
            receiver: oncall
          receivers:
            - name: oncall
              webhook:
                url: {http_server.url}/oncall
        """), encoding="utf-8")
    return path


def run(config_file: Path, *args: str):
    """The command in a terminal wide enough that no table cell wraps."""
    return CliRunner().invoke(app, ["-c", str(config_file), *args], catch_exceptions=False, env={"COLUMNS": "200"})


def said(result) -> str:
    """The command's output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def stored_silences(config_file: Path, now: datetime):
    runtime = Runtime.open(load_config(config_file))
    with runtime.engine.connect() as connection:
        silences = load_silences(connection, now)
    runtime.close()
    return silences


# ---------------------------------------------------------------------------------------------- silence


def test_a_silence_is_added_listed_and_expired_by_a_prefix_of_its_id(config_file):
    added = run(config_file, "silence", "add", "brand=Lumora", 'alertname=~"Neg.*"', "-m", "store outage, known",
                "--duration", "3h", "--author", "ana")
    assert added.exit_code == 0, added.output
    [silence] = stored_silences(config_file, datetime.now(UTC))
    assert said(added).startswith(f"Silence {silence.id} active until ")
    assert [str(m) for m in silence.matchers] == ['brand="Lumora"', 'alertname=~"Neg.*"']
    assert (silence.created_by, silence.comment) == ("ana", "store outage, known")
    assert timedelta(hours=3) - (silence.ends_at - silence.starts_at) < timedelta(seconds=1)

    listed = run(config_file, "silence", "list")
    assert listed.exit_code == 0
    assert silence.id in listed.output and "active" in listed.output and "store outage, known" in listed.output

    expired = run(config_file, "silence", "expire", silence.id[:5])
    assert expired.exit_code == 0, expired.output
    assert said(expired) == f"Silence {silence.id} expired."
    assert stored_silences(config_file, datetime.now(UTC)) == []
    assert silence.id not in run(config_file, "silence", "list").output
    with_past = run(config_file, "silence", "list", "--expired")
    assert silence.id in with_past.output and "expired" in with_past.output

    again = run(config_file, "silence", "expire", silence.id[:5])   # nothing in force has that id any more
    assert again.exit_code == 1
    assert said(again) == f"error: no single silence with id {silence.id[:5]!r} in force"


@pytest.mark.parametrize(("args", "reason"), [
    (['brand=~".*"', "-m", "everything please"],
     "a silence must not match every alert (give at least one non-empty matcher)"),
    (["brand=Lumora", "-m", ""], "a silence needs its creator and a comment"),
    (["brand", "-m", "no operator"], "not a matcher: 'brand' (use name=value, name!=value, name=~re, name!~re)"),
    (["brand=Lumora", "-m", "typo", "--duration", "2 hours"], None),
])
def test_a_silence_that_cannot_work_is_refused_in_one_line(config_file, args, reason):
    result = run(config_file, "silence", "add", *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: silence refused: ")
    if reason:
        assert line == f"error: silence refused: {reason}"
    assert stored_silences(config_file, datetime.now(UTC)) == []


# ----------------------------------------------------------------------------------------------- alerts


def test_alerts_test_sends_a_test_message_through_the_receiver(config_file, http_server):
    result = run(config_file, "alerts", "test", "oncall")
    assert result.exit_code == 0
    assert said(result) == "Sent a test message to oncall (webhook)."
    [request] = http_server.requests
    body = request.json()
    assert request.path == "/oncall" and body["receiver"] == "oncall" and body["test"] is True

    http_server.fail_next(503)
    refused = run(config_file, "alerts", "test", "oncall")
    assert refused.exit_code == 1 and said(refused).startswith("error: oncall: ")
    unknown = run(config_file, "alerts", "test", "pager")
    assert said(unknown) == "error: no receiver named 'pager' (configured: oncall)"


def store_firing_spike(runtime: Runtime) -> AlertState:
    """Lumora's NegativeSpike, firing for the last hour, in the runtime's alert book."""
    labels = {"alertname": "NegativeSpike", "brand": "Lumora", "severity": "warning"}
    now = datetime.now(UTC)
    state = AlertState(fingerprint=fingerprint(labels), rule="NegativeSpike", labels=labels, state="firing",
                       active_since=now - timedelta(hours=1), fired_at=now)
    with runtime.engine.begin() as connection:
        save_alert_book(connection, AlertBook({state.fingerprint: state}), now)
    return state


def test_alerts_ack_takes_a_fingerprint_prefix_and_records_who_is_on_it(config_file):
    runtime = Runtime.open(load_config(config_file))
    state = store_firing_spike(runtime)

    result = run(config_file, "alerts", "ack", state.fingerprint[:6], "-m", "on it", "--duration", "8h")
    assert result.exit_code == 0, result.output
    assert said(result) == "Acknowledged NegativeSpike for Lumora."
    with runtime.engine.connect() as connection:
        [ack] = load_acknowledgements(connection, datetime.now(UTC))
    runtime.close()
    assert (ack.fingerprint, ack.comment) == (state.fingerprint, "on it")
    assert timedelta(hours=8) - (ack.expires_at - ack.at) < timedelta(seconds=1)

    missing = run(config_file, "alerts", "ack", "ffffffffff")
    assert missing.exit_code == 1
    assert said(missing) == "error: 0 active alerts match 'ffffffffff'; give more of the fingerprint"


# --------------------------------------------------------------------------------------------- backtest


def five_minute_counts(path: Path, spike_at: datetime | None = None, days: int = 6) -> Path:
    """5-minute counts around a daily cycle; with ``spike_at``, two hours of many more."""
    rng = np.random.default_rng(11)
    index = pd.date_range("2025-03-01", periods=288 * days, freq="5min")
    values = rng.poisson(4 + 3 * np.sin(2 * np.pi * index.hour.to_numpy() / 24))
    if spike_at is not None:
        values[(index >= spike_at) & (index < spike_at + timedelta(hours=2))] += 40
    pd.Series(values, index=index.rename("timestamp"), name="value").to_csv(path)
    return path


def test_backtest_of_a_series_needs_no_config_and_writes_csv_and_plot(tmp_path):
    series = five_minute_counts(tmp_path / "acme.csv", spike_at=datetime(2025, 3, 5, 13))
    out, picture = tmp_path / "alerts.csv", tmp_path / "alerts.html"
    result = run(tmp_path / "absent.yaml", "alerts", "backtest", "--series", str(series), "--metric", "negative",
                 "--sensitivity", "medium", "--out", str(out), "--plot", str(picture))
    assert result.exit_code == 0, result.output
    assert "NegativeSpike (burst, medium)" in said(result)
    assert "Wrote 1 alerts to" in said(result)
    header, row = out.read_text().splitlines()
    assert header == "rule,brand,starts_at,detected_at,ends_at,peak_value,score"
    rule, brand, starts, detected, *_ = row.split(",")
    assert (rule, brand, starts, detected) == ("NegativeSpike", "acme", "2025-03-05T13:00:00+00:00",
                                               "2025-03-05T14:00:00+00:00")
    assert "data:image/png;base64," in picture.read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["--series", "{bad}"], "row 3: unparseable timestamp 'soon'"),
    (["--series", "{good}", "--metric", "share"], "--metric is volume or negative, not 'share'"),
    (["--series", "{good}", "--sensitivity", "max"], "--sensitivity is low, medium or high, not 'max'"),
    (["--series", "{good}", "--plot", "x.svg"], "--plot writes a .png or .html file, not 'x.svg'"),
    (["--series", "{good}", "--rule", "Nope"], "no alert rule with metric negative and name Nope"),
    ([], "give --brand to replay stored history, or --series FILE.csv"),
])
def test_backtest_input_errors_are_one_line(tmp_path, args, message):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,value\n2025-03-01 00:00,1\nsoon,2\n", encoding="utf-8")
    good = five_minute_counts(tmp_path / "good.csv", days=1)
    args = [a.format(bad=bad, good=good) for a in args]
    result = CliRunner().invoke(app, ["-c", str(tmp_path / "absent.yaml"), "alerts", "backtest", *args],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output
    assert message in said(result)
    assert "Traceback" not in result.output


def test_backtest_replays_a_brands_stored_history(config_file):
    runtime = Runtime.open(load_config(config_file))
    now = runtime.clock().replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=5)
    rng = np.random.default_rng(5)
    moments = [start + timedelta(hours=h, minutes=int(m)) for h in range(5 * 24) for m in rng.uniform(0, 60, 6)]
    spike = now - timedelta(hours=20)
    moments += [spike + timedelta(minutes=int(m)) for m in rng.uniform(0, 60, 80)]
    with runtime.engine.begin() as connection:
        store_mentions(connection, "Lumora", [
            Mention(source="x", external_id=str(i), text=f"text {i}", brand="Lumora", created_at=moment)
            for i, moment in enumerate(moments)])
        tasks = claim_unscored(connection, runtime.model_id(), limit=10_000)
        negative = Sentiment.from_probabilities({"negative": 0.8, "neutral": 0.1, "positive": 0.1},
                                                runtime.model_id())
        save_scores(connection, [(task.mention_id, negative) for task in tasks], {t.mention_id: "en" for t in tasks})
    runtime.close()
    out = config_file.parent / "alerts.csv"
    result = run(config_file, "alerts", "backtest", "--brand", "Lumora", "--since", "2d", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(out)
    assert list(rows["brand"]) == ["Lumora"]
    assert pd.Timestamp(rows.loc[0, "starts_at"]) == pd.Timestamp(spike)
    unknown = run(config_file, "alerts", "backtest", "--brand", "Nobody")
    assert unknown.exit_code == 1 and said(unknown) == "error: no brand named 'Nobody' in the config"


def test_alerts_list_json_is_machine_readable(config_file):
    runtime = Runtime.open(load_config(config_file))
    state = store_firing_spike(runtime)
    runtime.close()
    result = run(config_file, "alerts", "list", "--json")
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.output)
    assert (record["state"], record["rule"], record["brand"], record["fingerprint"]) == (
        "firing", "NegativeSpike", "Lumora", state.fingerprint)
