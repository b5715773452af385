"""`brandpulse status` shows an operator what needs attention, such as a channel that keeps failing."""

from __future__ import annotations

import textwrap

from typer.testing import CliRunner

from brandpulse import jobs
from brandpulse.alerts.channels import sample_notification
from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.runtime import Runtime
from brandpulse.storage.alert_store import SqlOutbox
from tests.support.postgres import free_port


def test_a_receiver_that_keeps_failing_is_reported_and_its_message_kept(tmp_path, database_url):
    closed = free_port()  # nothing listens there
    config_path = tmp_path / "brandpulse.yaml"
    config_path.write_text(textwrap.dedent(f"""\
        database: {database_url}
        brands:
          - name: Lumora
            terms: [Lumora]
        alerts:
          receivers:
            - name: ops-webhook
              webhook:
                url: http://127.0.0.1:{closed}/hook
          route:
            receiver: ops-webhook
        """), encoding="utf-8")
    runtime = Runtime.open(load_config(config_path))
    SqlOutbox(runtime.engine).enqueue([sample_notification("ops-webhook", runtime.clock())], runtime.clock())
    counts = jobs.send(runtime)
    runtime.close()
    assert counts == {"sent": 0, "retrying": 1, "dead": 0}

    result = CliRunner().invoke(app, ["-c", str(config_path), "status"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "ops-webhook" in line)
    assert "failing (1 failed attempts)" in row
    assert "Connection refused" in row or "connect" in row.lower()
