"""Scheduled feedback reports go out once per completed period, through an alert email receiver."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta

from brandpulse import jobs
from brandpulse.config import load_config
from brandpulse.listeners.records import Mention
from brandpulse.runtime import Runtime
from brandpulse.storage.mentions import store_mentions
from tests.support.smtp import smtp_inbox

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
TEXTS = ["Lumora Halo battery died after two hours, really disappointed",
         "Lumora support never answered my refund request",
         "Love my Lumora Halo, the sound is great",
         "Lumora delivery took three weeks, terrible"]


def test_a_weekly_report_is_mailed_once_after_the_week_ends(tmp_path):
    with smtp_inbox() as inbox:
        config_path = tmp_path / "brandpulse.yaml"
        config_path.write_text(textwrap.dedent(f"""\
            database: sqlite:///{tmp_path / 'bp.db'}
            brands:
              - name: Lumora
                terms: [Lumora]
            alerts:
              receivers:
                - name: product-team
                  email:
                    to: [pm@example.test]
                    from: brandpulse@example.test
                    smarthost: 127.0.0.1:{inbox.port}
                    starttls: false
              route:
                receiver: product-team
            reports:
              - every: weekly
                via: product-team
                output: {tmp_path / 'reports'}
                pdf: false
            """), encoding="utf-8")
        now = [MONDAY + timedelta(days=8, hours=7)]  # Tuesday of the next week
        runtime = Runtime.open(load_config(config_path), clock=lambda: now[0])
        with runtime.engine.begin() as connection:
            store_mentions(connection, "Lumora", [
                Mention(source="x", external_id=str(i), text=TEXTS[i % 4], brand="Lumora",
                        created_at=MONDAY + timedelta(hours=5 * i)) for i in range(24)])
        jobs.score(runtime)

        first = jobs.report(runtime, "0")
        again = jobs.report(runtime, "0")
        received = inbox.wait_for(1)
        runtime.close()

    assert first["period"] == "2026-03-02..2026-03-09" and again["period"] == "already sent"
    assert len(received) == 1
    assert received[0]["To"] == "pm@example.test"
    assert "Lumora feedback report, 2026-03-02 to 2026-03-08" in received[0]["Subject"]
    assert (tmp_path / "reports" / "Lumora-2026-03-02-2026-03-08.html").exists()
