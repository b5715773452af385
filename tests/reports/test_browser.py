"""The dashboard in a real headless browser (Debian's chromium): pages load with data, a filter narrows
the mentions, a silence is created and an alert acknowledged from the alerts page, a post's <script>
stays text. Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from reports.feedback import find_chromium
from reports.web import create_app
from tests.reports.conftest import END, MODEL, XSS
from tests.reports.corpus import topic_embed

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(engine, now):
    """The dashboard over `engine` on a free loopback port, its clock at `now`."""
    app = create_app(engine, model_id=MODEL, brands=["Lumora", "Novex"], competitors={"Lumora": ["Novex"]},
                     embed=topic_embed, exclude_terms={"Lumora": ["路莫拉"]}, now=lambda: now)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(sqlite_seeded):
    engine, counts = sqlite_seeded
    with serving(engine, END - timedelta(hours=1)) as url:
        yield url, counts


@pytest.fixture(scope="module")
def browser():
    from tests.reports.browser import Chromium

    binary = find_chromium()
    assert binary, "the browser tests need chromium: scripts/setup --test installs it"
    chromium = Chromium(binary)
    yield chromium
    chromium.close()


def test_overview_shows_every_brand_with_its_trend_and_firing_alerts(server, browser):
    url, _ = server
    browser.navigate(f"{url}/")
    browser.wait_for("document.querySelectorAll('#brands article.card').length === 2")
    browser.evaluate("document.getElementById('days').value = '30';"
                     "document.getElementById('days').dispatchEvent(new Event('change'))")
    browser.wait_for("document.querySelectorAll('#brands article.card svg.trend rect').length > 20")
    cards = browser.evaluate("[...document.querySelectorAll('#brands article.card')].map(c => c.dataset.brand)")
    assert cards == ["Lumora", "Novex"]
    assert browser.evaluate("document.getElementById('firing').hidden") is False
    assert "firing" in browser.evaluate("document.querySelector('[data-brand=Lumora]').textContent")
    browser.screenshot(ARTIFACTS / "overview.png")


def test_an_overview_after_the_data_links_to_the_window_that_holds_it(sqlite_seeded, browser):
    engine, _ = sqlite_seeded
    with serving(engine, END + timedelta(days=200)) as url:
        browser.navigate(f"{url}/")
        browser.wait_for("document.querySelector('#window-note a') !== null")
        assert "No mentions in this window" in browser.evaluate("document.getElementById('window-note').textContent")
        browser.evaluate("document.querySelector('#window-note a').click()")
        browser.wait_for("location.search.startsWith('?until=2026-03-') && "
                         "document.querySelectorAll('#brands article.card svg.trend rect').length > 20")
        assert browser.evaluate("document.querySelector('#window-note a')") is None
        volume = browser.evaluate("document.querySelector('[data-brand=Lumora] .stat .v').textContent")
        assert int(volume.replace(",", "")) > 0


def test_a_filter_narrows_the_mentions_list_and_script_stays_text(server, browser):
    url, _ = server
    browser.navigate(f"{url}/mentions")
    browser.wait_for("document.querySelectorAll('#rows tr').length === 50")
    browser.wait_for("document.querySelector('select[name=language]').options.length > 3")
    browser.evaluate("""(() => { const f = document.getElementById('filters');
        f.elements.brand.value = 'Lumora'; f.elements.sentiment.value = 'negative'; f.elements.language.value = 'zh';
        f.requestSubmit(); })()""")
    browser.wait_for("[...document.querySelectorAll('#rows tr')].length > 0 && "
                     "[...document.querySelectorAll('#rows tr')].every(r => r.children[3].textContent === 'zh')")
    rows = browser.evaluate("[...document.querySelectorAll('#rows tr')].map(r => "
                            "[r.children[1].textContent, r.children[4].textContent.split(' ')[0]])")
    assert 0 < len(rows) < 50 and {tuple(row) for row in rows} == {("Lumora", "negative")}
    assert "language=zh" in browser.evaluate("document.getElementById('csv').href")
    browser.screenshot(ARTIFACTS / "mentions-filtered.png")
    browser.evaluate("""(() => { const f = document.getElementById('filters');
        f.reset(); f.elements.q.value = 'script'; f.requestSubmit(); })()""")
    browser.wait_for("document.querySelectorAll('#rows tr').length === 1")
    assert browser.evaluate("document.querySelector('#rows .post').textContent") == XSS
    assert browser.evaluate("document.querySelectorAll('#rows script, #rows b').length") == 0
    assert browser.evaluate("document.title").startswith("Mentions")  # the post's script never ran
    assert browser.evaluate("document.querySelector('#rows a') === null")  # its javascript: link is dropped
    browser.screenshot(ARTIFACTS / "mentions-script-as-text.png")


def test_a_silence_is_created_from_the_alerts_page(server, browser):
    url, _ = server
    browser.navigate(f"{url}/alerts")
    browser.wait_for("document.querySelector('tr[data-fingerprint=f-firing] button.silence') !== null")
    browser.evaluate("document.querySelector('tr[data-fingerprint=f-firing] button.silence').click()")
    browser.wait_for("document.getElementById('silence-dialog').open")
    browser.evaluate("""(() => { const f = document.getElementById('silence-form');
        for (const box of f.querySelectorAll('input[name=matcher]')) box.checked = box.value === 'brand';
        f.elements.created_by.value = 'ana'; f.elements.comment.value = 'launch campaign'; })()""")
    browser.screenshot(ARTIFACTS / "alerts-silence-dialog.png")
    browser.evaluate("document.getElementById('silence-submit').click()")
    browser.wait_for("document.querySelectorAll('#silences tr[data-silence]').length === 1")
    silence = browser.evaluate("document.querySelector('#silences tr[data-silence]').textContent")
    assert 'brand="Lumora"' in silence and "ana" in silence and "launch campaign" in silence
    browser.wait_for("document.querySelector('tr[data-fingerprint=f-firing]').textContent.includes('silenced')")
    browser.screenshot(ARTIFACTS / "alerts-silenced.png")


def test_an_alert_is_acknowledged_from_the_alerts_page(server, browser):
    url, _ = server
    browser.navigate(f"{url}/alerts")
    button = "document.querySelector('tr[data-fingerprint=f-novex] button.ack')"
    browser.wait_for(f"{button} !== null")
    browser.evaluate("window.prompt = () => 'bo'")  # who answers "who is on it?" (a native dialog would block)
    browser.evaluate(f"{button}.click()")
    browser.wait_for("document.querySelector('tr[data-fingerprint=f-novex]').textContent.includes('ack: bo')")
    assert browser.evaluate(f"{button} === null")  # acknowledged once; the button is gone
    assert "ack:" not in browser.evaluate("document.querySelector('tr[data-fingerprint=f-firing]').textContent")
    browser.screenshot(ARTIFACTS / "alerts-acknowledged.png")


def test_themes_page_lists_the_complaints(server, browser):
    url, _ = server
    browser.navigate(f"{url}/themes")
    browser.wait_for("document.querySelectorAll('#themes article.theme').length >= 4", timeout=60)
    first = browser.evaluate("document.querySelector('#themes article.theme').textContent")
    assert "new" in first and "shipping" in first
    browser.screenshot(ARTIFACTS / "themes.png")
