"""The dashboard in a real headless browser (Debian's chromium): what a person sees on each page (the
alerts that need attention, each brand's trend with its alert periods, the brand page's breakdowns,
the alerts' history), a filter narrows the mentions, a silence is created and an alert acknowledged,
a post's <script> stays text; every page passes axe-core's checks and fits a phone's width.
Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn

from brandpulse.reports.feedback import find_chromium
from brandpulse.reports.web import create_app
from tests.reports.conftest import END, MODEL, XSS
from tests.reports.corpus import topic_embed

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
#: Our pages (the API docs at /docs are Swagger UI's own markup, not checked here).
PAGES = ["/", "/brands/Lumora", "/mentions", "/alerts", "/themes"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serving(engine, now):
    """The dashboard over `engine` on a free loopback port, its clock at `now`."""
    return serving_app(create_app(engine, model_id=MODEL, brands=["Lumora", "Novex"], competitors={"Lumora": ["Novex"]},
                                  embed=topic_embed, exclude_terms={"Lumora": ["路莫拉"]}, now=lambda: now))


@contextmanager
def serving_app(app):
    """`app` on a free loopback port, stopped when the block ends."""
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
def axe_source() -> str:
    from tests.reports.browser import axe_script

    return axe_script()


def serious_violations(browser, axe_source) -> list[dict]:
    return [v for v in browser.axe(axe_source) if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="module")
def browser():
    from tests.reports.browser import Chromium

    binary = find_chromium()
    assert binary, "the browser tests need chromium: scripts/setup --test installs it"
    chromium = Chromium(binary)
    yield chromium
    chromium.close()


def test_overview_shows_what_needs_attention_then_each_brands_trend(server, browser):
    url, _ = server
    browser.navigate(f"{url}/?days=28")
    browser.wait_for("document.querySelectorAll('#brands article.card svg.trend g.bucket').length === 56")
    cards = browser.evaluate("[...document.querySelectorAll('#brands article.card')].map(c => c.dataset.brand)")
    assert cards == ["Lumora", "Novex"]
    attention = browser.evaluate("document.getElementById('attention').textContent")
    assert "2 active alert(s)" in attention and "Negative share of Lumora at 64% <b>bold</b>" in attention
    assert browser.evaluate("document.querySelectorAll('#attention blockquote').length") == 6
    lumora = "document.querySelector('[data-brand=Lumora]')"
    labels = browser.evaluate(f"[...{lumora}.querySelectorAll('svg text.alert-label')].map(t => t.textContent)")
    assert labels == ["⚠ volume-spike (resolved)", "⚠ negative-spike (firing)"]
    stats = browser.evaluate(f"[...{lumora}.querySelectorAll('.stat')].map(s => s.innerText.replace(/\\s+/g, ' '))")
    assert stats[0].startswith(f"{server[1]['lumora_current']:,} MENTIONS") and ("▲" in stats[0] or "▼" in stats[0])
    assert [s.split(" ")[1] for s in stats] == ["MENTIONS", "NET", "NEGATIVE", "SHARE"]
    assert browser.evaluate(f"{lumora}.querySelectorAll('.legend li').length") == 5  # names, not colours alone
    browser.evaluate(f"{lumora}.querySelectorAll('svg g.bucket')[3].dispatchEvent(new Event('mouseenter'))")
    readout = browser.evaluate(f"{lumora}.querySelector('.readout').textContent")
    assert readout.startswith("2026-03-04: ") and "mentions (" in readout and "negative" in readout
    browser.screenshot(ARTIFACTS / "overview.png")
    browser.evaluate(f"{lumora}.querySelector('details.figures').open = true")  # the same figures, for keyboards
    browser.wait_for(f"{lumora}.querySelectorAll('details.figures tbody tr').length > 0")
    row = browser.evaluate(f"[...{lumora}.querySelectorAll('details.figures tbody tr')]"
                           ".find(r => r.textContent.startsWith('2026-03-04')).textContent")
    assert readout.split(" mentions")[0].split(": ")[1] in row
    browser.evaluate(f"{lumora}.querySelectorAll('svg g.bucket')[3].dispatchEvent(new Event('click'))")
    browser.wait_for("location.pathname === '/mentions' && document.querySelectorAll('#rows tr').length > 0")
    assert browser.evaluate("document.querySelector('input[name=since]').value") == "2026-03-04T00:00"
    days = browser.evaluate("[...document.querySelectorAll('#rows tr')].map(r => r.children[0].textContent)")
    assert all(d.startswith("2026-03-04") for d in days)


def test_an_overview_long_after_the_data_shows_the_data_or_says_where_it_is(sqlite_seeded, browser):
    engine, _ = sqlite_seeded
    with serving(engine, END + timedelta(days=200)) as url:
        browser.navigate(f"{url}/")
        browser.wait_for("document.querySelectorAll('#brands article.card').length === 2")
        assert "fitted to the data" in browser.evaluate("document.getElementById('window-note').textContent")
        volume = browser.evaluate("document.querySelector('[data-brand=Lumora] .stat .v').textContent")
        assert int(volume.replace(",", "")) > 0
        browser.navigate(f"{url}/?days=30&until={(END + timedelta(days=200)).date()}")
        browser.wait_for("document.querySelector('#brands .empty a') !== null")
        assert "No mentions in this window" in browser.evaluate("document.getElementById('brands').textContent")


def test_the_brand_page_shows_one_brand_in_depth(server, browser):
    url, _ = server
    browser.navigate(f"{url}/brands/Lumora?days=28")
    browser.wait_for("document.querySelectorAll('#languages tbody tr').length >= 3")
    assert browser.evaluate("document.querySelector('[data-brand=Lumora] h2').textContent") == "Lumora"
    languages = browser.evaluate("[...document.querySelectorAll('#languages tbody th')].map(t => t.textContent)")
    assert {"en", "es", "zh"} <= set(languages)
    links = browser.evaluate("[...document.querySelectorAll('#sources a, #languages a, #authors a')].map(a => a.href)")
    assert links and all("/mentions?brand=Lumora&since=2026-03-01T00%3A00" in link for link in links)
    assert browser.evaluate("[...document.querySelectorAll('svg.share text.peer-label')].map(t => t.textContent"
                            ".split(' ')[0]).sort()") == ["Lumora", "Novex"]
    assert browser.evaluate("document.querySelectorAll('#brand-alerts li').length") == 2
    browser.wait_for("document.querySelectorAll('#brand-themes article.theme').length >= 1", timeout=60)
    browser.screenshot(ARTIFACTS / "brand.png")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_passes_axe_and_fits_a_phone(server, browser, axe_source, path):
    url, _ = server
    browser.navigate(f"{url}{path}")
    browser.wait_for("!document.querySelector('[aria-busy=true]') && document.querySelectorAll('main *').length > 8")
    browser.wait_for("!/Loading|Analysing/.test(document.querySelector('main').textContent)", timeout=60)
    assert serious_violations(browser, axe_source) == []
    try:
        browser.resize(390, 844, mobile=True)
        browser.navigate(f"{url}{path}")
        browser.wait_for("!document.querySelector('[aria-busy=true]')")
        assert browser.overflows() <= 0, f"{path} is wider than a phone"
        browser.screenshot(ARTIFACTS / f"phone-{path.strip('/').replace('/', '-') or 'overview'}.png")
    finally:
        browser.resize(1280, 1000)


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


def test_an_alert_messages_link_opens_the_explorer_filtered(server, browser):
    url, _ = server
    browser.navigate(f"{url}/mentions?brand=Lumora&sentiment=negative&since=2026-03-20")  # as alerts/engine.py links
    browser.wait_for("document.querySelectorAll('#rows tr').length > 0")
    assert browser.evaluate("document.querySelector('input[name=since]').value") == "2026-03-20T00:00"
    rows = browser.evaluate("[...document.querySelectorAll('#rows tr')].map(r => [r.children[0].textContent, "
                            "r.children[1].textContent, r.children[4].textContent.split(' ')[0]])")
    assert all(day >= "2026-03-20" and brand == "Lumora" and label == "negative" for day, brand, label in rows)


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
    assert browser.evaluate("document.querySelector('tr[data-fingerprint=f-firing] button.silence')") is None
    browser.screenshot(ARTIFACTS / "alerts-silenced.png")


def test_the_alerts_page_lists_alerts_with_their_history_and_only_meaningful_actions(server, browser):
    url, _ = server
    browser.navigate(f"{url}/alerts")
    browser.wait_for("document.querySelectorAll('#alerts tr[data-fingerprint]').length === 3")
    resolved = "document.querySelector('tr[data-fingerprint=f-resolved]')"
    assert browser.evaluate(f"{resolved}.querySelectorAll('button').length") == 0  # nothing to silence or own
    cells = browser.evaluate(f"[...{resolved}.children].map(c => c.textContent)")
    assert cells[0].startswith("resolved") and cells[3:5] == ["2026-03-06 00:00", "2026-03-07 00:00"]
    assert "Lumora volume 5x normal" in cells[2] and "Mentions of this window" in cells[2]


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


@pytest.fixture(scope="module")
def cx_server(tmp_path_factory):
    """The dashboard over the reports' data plus tagged posts and cases (tests/reports/cx_data.py)."""
    from brandpulse.storage.engine import open_database
    from tests.reports.conftest import seed
    from tests.reports.cx_data import TARGETS, seed_cx

    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('cx') / 'brandpulse.db'}")
    seed(engine)
    cases = seed_cx(engine)
    app = create_app(engine, model_id=MODEL, brands=["Lumora", "Novex"], now=lambda: END - timedelta(hours=1),
                     response_targets=TARGETS)
    with serving_app(app) as url:
        yield url, cases
    engine.dispose()


def test_the_cx_page_shows_the_map_what_moved_most_quotes_responses_and_cases(cx_server, browser, axe_source):
    url, cases = cx_server
    browser.navigate(f"{url}/")
    browser.evaluate("document.querySelector('nav a[href=\"/cx\"]').click()")  # linked from the navigation
    browser.wait_for("location.pathname === '/cx' && document.querySelectorAll('#cases tr[data-case]').length === 3")
    assert "Delivery at the purchase stage moved most" in browser.evaluate(
        "document.getElementById('cx-headline').textContent")
    rows = browser.evaluate("[...document.querySelectorAll('table.cxmap tbody tr')].map(r => r.dataset.touchpoint)")
    assert rows == ["delivery", "customer_service", "price"]
    moved = browser.evaluate("document.querySelector('table.cxmap td.moved').innerText.replace(/\\s+/g, ' ')")
    assert moved.startswith("9 moved most ▲ 350%") and "net −78" in moved and "anger 56%" in moved
    assert browser.evaluate("document.querySelector('[data-touchpoint=delivery].quotes-of blockquote .post')"
                            ".textContent").startswith("@Lumora where is my parcel")
    stats = browser.evaluate("[...document.querySelectorAll('#cx-figures .stat .v')].map(v => v.textContent)")
    assert stats == ["3", "67%", "15h", "1.1d", "33%"]
    assert browser.evaluate("document.querySelectorAll('#cx-figures svg.response g.bucket').length") == 3
    assert serious_violations(browser, axe_source) == []
    browser.screenshot(ARTIFACTS / "cx.png")
    browser.evaluate(f"document.querySelector('#cases tr[data-case=\"{cases['fay']}\"] a').click()")
    browser.wait_for(f"location.pathname === '/cases/{cases['fay']}'")


def test_a_case_page_shows_the_conversation_and_its_forms_act_on_it(cx_server, browser, axe_source):
    url, cases = cx_server
    browser.navigate(f"{url}/cases/{cases['dana']}")
    browser.wait_for("document.querySelectorAll('#case-posts .case-post').length === 2")
    roles = browser.evaluate("[...document.querySelectorAll('#case-posts .case-post')].map(p => p.dataset.role)")
    assert roles == ["customer", "reply"]
    assert "waiting" in browser.evaluate("document.getElementById('case-summary').textContent")
    assert serious_violations(browser, axe_source) == []
    browser.evaluate("""(() => { document.getElementById('actor').value = 'lead';
        const f = document.getElementById('assign-form'); f.elements.assignee.value = 'ana'; f.requestSubmit(); })()""")
    browser.wait_for("document.querySelector('#case-history li[data-kind=assigned]') !== null")
    assert "lead · assigned: ana" in browser.evaluate("document.querySelector('#case-history li[data-kind=assigned]')"
                                                      ".textContent")
    browser.evaluate("""(() => { const f = document.getElementById('comment-form');
        f.elements.note.value = '<b>called</b> her'; f.requestSubmit(); })()""")
    browser.wait_for("document.querySelector('#case-history li[data-kind=comment]') !== null")
    assert browser.evaluate("document.querySelectorAll('#case-history b').length") == 0  # a note stays text
    browser.evaluate("document.getElementById('resolve-form').requestSubmit()")
    browser.wait_for("document.getElementById('case-summary').textContent.includes('resolved')")
    assert browser.evaluate("document.querySelector('#assign-form button').disabled")
    browser.screenshot(ARTIFACTS / "case.png")
    try:
        browser.resize(390, 844, mobile=True)
        for path in ("/cx", f"/cases/{cases['dana']}"):
            browser.navigate(f"{url}{path}")
            browser.wait_for("!document.querySelector('[aria-busy=true]')")
            assert browser.overflows() <= 0, f"{path} is wider than a phone"
    finally:
        browser.resize(1280, 1000)
