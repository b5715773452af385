"""The dashboard on the demo's data, as a brand manager opens it: the demo stream from four calm days
before the Lumora storm until the day after it, replayed through the real pipeline (the default
model scores it), then served and read through the API and in headless chromium.

The storm's alert is resolved by then: the alerts API lists it by default and no rule state of the
quiet brands; the overview carries each brand's alert periods and its change against the period
before; every page passes axe-core. Screenshots go to test-artifacts/dashboard-demo/ (the README's
come from there)."""

from __future__ import annotations

import pytest

from brandpulse.reports.feedback import find_chromium
from brandpulse.reports.web import create_app
from tests.reports.test_browser import ARTIFACTS, PAGES, serious_violations, serving_app
from tests.reports.test_web import local_client, moment

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SLICE = ("2026-03-07T00:00:00", "2026-03-13T00:00:00")
SHOTS = ARTIFACTS.parent / "dashboard-demo"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from brandpulse.simulation import replay
    from tests.brandpulse.test_demo_pipeline import write_slice

    folder = tmp_path_factory.mktemp("demo")
    runtime = replay(folder / "demo", stream=write_slice(folder / "slice.jsonl", *SLICE))
    yield runtime
    runtime.close()


def demo_app(runtime):
    """The dashboard as `brandpulse serve` builds it for the demo's config, on the replay's clock."""
    config = runtime.config
    return create_app(runtime.engine, model_id=runtime.model_id(), brands=[b.name for b in config.brands],
                      competitors={b.name: b.competitors for b in config.brands}, now=runtime.clock)


@pytest.fixture(scope="module")
def api(demo):
    with local_client(demo_app(demo)) as client:
        yield client


def test_the_alerts_api_lists_the_resolved_storm_and_no_rule_states(api):
    alerts = api.get("/api/alerts").json()["alerts"]
    assert alerts and {a["state"] for a in alerts} <= {"pending", "firing", "resolved"}
    spike = next(a for a in alerts if a["rule"] == "NegativeSpike")
    assert (spike["brand"], spike["state"]) == ("Lumora", "resolved")
    assert moment(spike["starts_at"]).date().isoformat() == "2026-03-11" and spike["ends_at"]
    assert spike["peak"] > spike["expected"] and spike["quotes"] and len(spike["notified"]) >= 2
    assert not spike["can_silence"] and not spike["can_acknowledge"]


def test_the_overview_carries_each_brands_alert_periods_and_change(api):
    data = api.get("/api/overview").json()
    assert data["window"]["defaulted"] and moment(data["end"]).date().isoformat() == "2026-03-13"
    brands = {b["brand"]: b for b in data["brands"]}
    assert set(brands) == {"Lumora", "Brevio", "Vexon"}
    assert [a["rule"] for a in brands["Lumora"]["alert_periods"]] == ["NegativeSpike"]
    assert brands["Brevio"]["alert_periods"] == [] and brands["Vexon"]["alert_periods"] == []
    for card in brands.values():
        assert card["change"]["previous"]["volume"] > 0 and card["change"]["volume"] is not None
    lumora = brands["Lumora"]
    assert lumora["change"]["negative_share"] > 0.05  # the storm: a larger share of complaints than before
    assert lumora["rising_terms"] and data["urgent_mentions"][0]["brand"] == "Lumora"


def test_every_page_of_the_demo_reads_right_and_passes_axe(demo):
    from tests.reports.browser import Chromium, axe_script

    axe_source = axe_script()
    chromium = Chromium(find_chromium())
    try:
        with serving_app(demo_app(demo)) as url:
            for path in PAGES:
                chromium.navigate(f"{url}{path}")
                chromium.wait_for("!document.querySelector('[aria-busy=true]') && "
                                  "!/Loading/.test(document.querySelector('main').textContent)")
                assert serious_violations(chromium, axe_source) == [], path
                name = path.strip("/").replace("/", "-") or "overview"
                chromium.screenshot(SHOTS / f"{name}.png")
            chromium.navigate(f"{url}/")
            chromium.wait_for("document.querySelectorAll('#brands article.card').length === 3")
            label = chromium.evaluate("document.querySelector('[data-brand=Lumora] svg text.alert-label').textContent")
            assert label == "⚠ NegativeSpike (resolved)"
            assert "Lumora Halo" in chromium.evaluate("document.querySelector('#attention blockquote').textContent")
            chromium.navigate(f"{url}/brands/Lumora")
            chromium.wait_for("document.querySelectorAll('#languages tbody tr').length > 3")
            languages = chromium.evaluate("[...document.querySelectorAll('#languages tbody th')]"
                                          ".map(t => t.textContent)")
            assert {"en", "zh", "ja", "de"} <= set(languages)
            peers = chromium.evaluate("[...document.querySelectorAll('svg.share text.peer-label')]"
                                      ".map(t => t.textContent.split(' ')[0]).sort()")
            assert peers == ["Lumora", "Vexon"]
            chromium.navigate(f"{url}/alerts")
            chromium.wait_for("document.querySelector('#alerts tr[data-fingerprint]') !== null")
            row = chromium.evaluate("document.querySelector('#alerts tr[data-fingerprint]').textContent")
            assert "Negative mentions of Lumora spiked" in row and "resolved" in row
            assert chromium.evaluate("document.querySelectorAll('#alerts button').length") == 0
            chromium.evaluate("document.querySelector('#alerts a[href^=\\'/mentions\\']').click()")
            chromium.wait_for("location.pathname === '/mentions' && document.querySelectorAll('#rows tr').length > 0")
            shown = chromium.evaluate("[...document.querySelectorAll('#rows tr')].map(r => "
                                      "[r.children[0].textContent.slice(0, 10), r.children[1].textContent, "
                                      "r.children[4].textContent.split(' ')[0]])")
            assert {tuple(row[1:]) for row in shown} == {("Lumora", "negative")}
            assert {row[0] for row in shown} <= {"2026-03-11", "2026-03-12"}
    finally:
        chromium.close()

