"""The on-call commands as a person runs them: `silence add|list|expire` (a silence that would mute
everything is refused in one line), `alerts test RECEIVER` (a real webhook receiver on 127.0.0.1) and
`alerts ack` (no repeat notifications for an alert someone is on)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts.model import AlertBook, AlertState, fingerprint
from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.runtime import Runtime
from storage.alert_store import load_acknowledgements, load_silences, save_alert_book


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


def test_alerts_ack_takes_a_fingerprint_prefix_and_records_who_is_on_it(config_file):
    labels = {"alertname": "NegativeSpike", "brand": "Lumora", "severity": "warning"}
    now = datetime.now(UTC)
    state = AlertState(fingerprint=fingerprint(labels), rule="NegativeSpike", labels=labels, state="firing",
                       active_since=now - timedelta(hours=1), fired_at=now)
    runtime = Runtime.open(load_config(config_file))
    with runtime.engine.begin() as connection:
        save_alert_book(connection, AlertBook({state.fingerprint: state}), now)

    result = run(config_file, "alerts", "ack", state.fingerprint[:6], "-m", "on it", "--duration", "8h")
    assert result.exit_code == 0, result.output
    assert said(result) == "Acknowledged NegativeSpike for Lumora."
    with runtime.engine.connect() as connection:
        [ack] = load_acknowledgements(connection)
    runtime.close()
    assert (ack.fingerprint, ack.comment) == (state.fingerprint, "on it")
    assert timedelta(hours=8) - (ack.expires_at - ack.at) < timedelta(seconds=1)

    missing = run(config_file, "alerts", "ack", "ffffffffff")
    assert missing.exit_code == 1
    assert said(missing) == "error: 0 active alerts match 'ffffffffff'; give more of the fingerprint"
