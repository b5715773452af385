"""The product feedback report: its figures, its one self-contained HTML file, its PDF and its mail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from brandpulse.reports.feedback import SmtpSettings, build_report, email_report, find_chromium, gather, html_to_pdf
from tests.reports.conftest import END, MODEL, START
from tests.reports.corpus import topic_embed
from tests.support.smtp import smtp_inbox


@pytest.fixture(scope="module")
def document(sqlite_seeded):
    engine, _ = sqlite_seeded
    return build_report(engine, "Lumora", START, END, model_id=MODEL, competitors=["Novex"], embed=topic_embed,
                        exclude_terms=["路莫拉"], pdf=False)


def test_figures_compare_with_the_previous_period_and_the_competitor(sqlite_seeded, document):
    _, counts = sqlite_seeded
    data = document.data
    assert data.current.volume == counts["lumora_current"]
    assert data.current.negative == counts["lumora_negative"]
    assert data.previous_start == START - (END - START)
    expected_net = (data.current.positive - data.current.negative) / data.current.scored
    assert data.current.net_sentiment == pytest.approx(expected_net)
    assert data.current.health == pytest.approx(data.current.positive / (data.current.positive + data.current.negative))
    assert data.previous.volume > 0
    share = {row["brand"]: row for row in data.share}
    assert set(share) == {"Lumora", "Novex"}
    assert share["Lumora"]["share"] + share["Novex"]["share"] == pytest.approx(1.0)
    assert len(data.series) == 28 and data.series["volume"].sum() == data.current.volume
    assert [a["fingerprint"] for a in data.alerts] == ["f-resolved", "f-firing"]  # Novex's alert is not Lumora's
    assert data.top_negative[0]["author_reach"] == 10_000_000
    assert {row["key"] for row in data.languages} >= {"en", "es", "zh"}


def test_complaint_themes_lead_with_the_new_one(document):
    themes = document.data.themes.themes
    assert themes[0].status == "new" and "shipping" in themes[0].name
    assert all(3 <= len(theme.quotes) <= 5 for theme in themes)


def test_the_html_is_self_contained_and_escapes_user_text(document):
    html = document.html
    assert "<script" not in html.lower()  # the post's <script> shows as text
    assert "&lt;script&gt;document.title" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # its author handle too
    assert 'href="javascript:' not in html
    assert not re.search(r'(src|href)="(https?:)?//', html.replace('href="https://example.test', ""))
    assert "<link" not in html and "@import" not in html
    assert html.count("<svg") >= 2  # the trend and share-of-voice charts, inline
    assert "shipping" in html and "屏幕" in html and "reembolso" in html
    assert "Negative share of Lumora at 64% &lt;b&gt;bold&lt;/b&gt;" in html


def test_written_files_are_named_after_brand_and_period(document, tmp_path):
    paths = document.write(tmp_path)
    assert [p.name for p in paths] == ["Lumora-2026-03-01-2026-03-28.html"]
    assert paths[0].read_text(encoding="utf-8") == document.html


def test_without_an_encoder_the_report_says_themes_were_not_computed(sqlite_seeded):
    engine, _ = sqlite_seeded
    data = gather(engine, "Lumora", START, END, model_id=MODEL)
    assert data.themes is None and "not computed" in data.themes_note
    with pytest.raises(ValueError):
        gather(engine, "Lumora", END, START, model_id=MODEL)


def test_an_empty_period_still_renders(sqlite_seeded):
    engine, _ = sqlite_seeded
    later = END + timedelta(days=400)
    document = build_report(engine, "Lumora", later, later + timedelta(days=7), model_id=MODEL,
                            embed=topic_embed, pdf=False)
    assert document.data.current.volume == 0 and document.data.current.net_sentiment is None
    assert "No negative mentions in this period." in document.html


def test_the_report_is_mailed_with_both_files(document):
    document.pdf = b"%PDF-1.4 stand-in"
    try:
        with smtp_inbox() as inbox:
            email_report(document, SmtpSettings(host="127.0.0.1", port=inbox.port, sender="bp@example.test",
                                                security="none"),
                         ["pm@example.test", "cx@example.test"], dashboard_url="http://127.0.0.1:8765")
            received = inbox.wait_for(1)
    finally:
        document.pdf = None
    message = received[0]
    assert message["Subject"] == "[BrandPulse] Lumora feedback report, 2026-03-01 to 2026-03-28"
    assert message["To"] == "pm@example.test, cx@example.test"
    text = message.get_body(("plain",)).get_content()
    assert "Complaint themes:" in text and "Dashboard: http://127.0.0.1:8765" in text
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"Lumora-2026-03-01-2026-03-28.html", "Lumora-2026-03-01-2026-03-28.pdf"}
    assert attachments["Lumora-2026-03-01-2026-03-28.pdf"].get_content() == b"%PDF-1.4 stand-in"


@pytest.mark.browser
def test_the_pdf_is_printed_by_headless_chromium(document, tmp_path):
    assert find_chromium(), "the PDF needs chromium: scripts/setup --test installs it"
    pdf = html_to_pdf(document.html)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 20_000
    (tmp_path / "report.pdf").write_bytes(pdf)


@pytest.mark.parametrize(("kind", "start", "end"), [
    ("daily", "2026-03-17", "2026-03-18"), ("weekly", "2026-03-09", "2026-03-16"),
    ("monthly", "2026-02-01", "2026-03-01")])
def test_scheduled_reports_cover_the_last_complete_period(kind, start, end):
    from datetime import UTC, datetime

    from brandpulse.reports.feedback import report_period

    first, last = report_period(kind, datetime(2026, 3, 18, 6, 30, tzinfo=UTC))  # a Wednesday
    assert (first.date().isoformat(), last.date().isoformat()) == (start, end)


def test_a_failing_encoder_costs_only_the_themes(seeded):
    engine, _ = seeded  # a fresh database: the shared one holds embeddings cached by other tests

    def broken(texts):
        raise FileNotFoundError("no trained adapter")

    data = gather(engine, "Lumora", START, END, model_id=MODEL, embed=broken)
    assert data.themes is None and "no trained adapter" in data.themes_note
    assert data.current.volume > 0
