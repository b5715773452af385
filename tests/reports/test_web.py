"""The dashboard's JSON API and pages, through the real ASGI app (no browser)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from brandpulse.reports.web import check_bind, create_app
from tests.reports.conftest import END, MODEL, START, XSS
from tests.reports.corpus import topic_embed

BRANDS = ["Lumora", "Novex"]


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def make_app(engine, **options):
    options = {"model_id": MODEL, "brands": BRANDS, "competitors": {"Lumora": ["Novex"]}, "embed": topic_embed,
               "exclude_terms": {"Lumora": ["路莫拉"]}, "now": lambda: END - timedelta(hours=1), **options}
    return create_app(engine, **options)


def local_client(app) -> TestClient:
    """A client that calls the app as a browser on this machine does: TestClient's default host,
    "testserver", is no loopback name, and a dashboard without a token answers loopback names only."""
    return TestClient(app, base_url="http://127.0.0.1:8765")


@pytest.fixture
def client(seeded):
    engine, counts = seeded
    with local_client(make_app(engine)) as client:
        client.counts = counts
        yield client


@pytest.fixture(scope="module")
def reader(sqlite_seeded):
    """A client over the shared SQLite data, for tests that only read."""
    engine, counts = sqlite_seeded
    with local_client(make_app(engine)) as client:
        client.counts = counts
        yield client


def test_overview_has_each_brands_trend_scores_share_and_alerts(client):
    data = client.get("/api/overview", params={"days": 28}).json()
    assert (moment(data["start"]), moment(data["end"])) == (START, END)
    brands = {b["brand"]: b for b in data["brands"]}
    lumora = brands["Lumora"]
    assert lumora["volume"] == client.counts["lumora_current"]
    assert lumora["negative"] == client.counts["lumora_negative"]
    assert len(lumora["series"]) == 28 and sum(d["volume"] for d in lumora["series"]) == lumora["volume"]
    assert lumora["net_sentiment"] == pytest.approx((lumora["positive"] - lumora["negative"]) / lumora["scored"])
    assert lumora["share_of_voice"] + brands["Novex"]["share_of_voice"] == pytest.approx(1.0)
    assert [a["fingerprint"] for a in lumora["firing_alerts"]] == ["f-firing"]
    assert {a["fingerprint"] for a in data["alerts"]} == {"f-firing", "f-novex"}


def test_overview_window_can_end_on_a_chosen_day(reader):
    today = reader.get("/api/overview", params={"days": 28}).json()
    last_day = (END - timedelta(days=1)).date().isoformat()
    assert reader.get("/api/overview", params={"days": 28, "until": last_day}).json() == today
    earlier = reader.get("/api/overview", params={"days": 7, "until": "2026-03-07"}).json()
    assert (moment(earlier["start"]), moment(earlier["end"])) == (START, START + timedelta(days=7))
    assert reader.get("/api/overview", params={"until": "March"}).status_code == 422


def test_overview_long_after_the_data_shows_the_data_unless_told_otherwise(sqlite_seeded):
    engine, _ = sqlite_seeded
    with local_client(make_app(engine, now=lambda: END + timedelta(days=200))) as later:
        fitted = later.get("/api/overview").json()
        today = (END + timedelta(days=200)).date().isoformat()
        empty = later.get("/api/overview", params={"days": 30, "until": today}).json()
    latest = moment(fitted["latest_mention"])
    assert START <= latest < END and fitted["window"]["defaulted"]
    assert moment(fitted["end"]) == END and sum(b["volume"] for b in fitted["brands"]) > 0
    assert sum(b["volume"] for b in empty["brands"]) == 0 and empty["latest_mention"] == fitted["latest_mention"]


def test_overview_counts_the_same_with_a_cold_and_a_warm_cache(client):
    first = client.get("/api/overview", params={"days": 60}).json()
    second = client.get("/api/overview", params={"days": 60}).json()
    assert first == second
    assert sum(b["volume"] for b in first["brands"]) > sum(
        b["volume"] for b in client.get("/api/overview", params={"days": 28}).json()["brands"])


def test_mentions_explorer_filters_pages_and_counts(reader):
    everything = reader.get("/api/mentions", params={"limit": 500}).json()
    narrowed = reader.get("/api/mentions", params={"brand": "Lumora", "sentiment": "negative", "language": "zh",
                                                   "since": START.isoformat(), "until": END.isoformat(),
                                                   "count": "true"}).json()
    assert len(narrowed["items"]) < len(everything["items"])
    assert {(m["brand"], m["label"], m["language"]) for m in narrowed["items"]} == {("Lumora", "negative", "zh")}
    assert narrowed["total"] == len(narrowed["items"])
    page1 = reader.get("/api/mentions", params={"limit": 10}).json()
    page2 = reader.get("/api/mentions", params={"limit": 10, "offset": 10}).json()
    assert page1["has_more"] and not {m["id"] for m in page1["items"]} & {m["id"] for m in page2["items"]}
    assert page1["items"][0]["created_at"] >= page2["items"][0]["created_at"]
    found = reader.get("/api/mentions", params={"q": "<SCRIPT>"}).json()["items"]
    assert [m["text"] for m in found] == [XSS]
    assert reader.get("/api/mentions", params={"sentiment": "angry"}).status_code == 422
    assert reader.get("/api/mentions", params={"since": "yesterday"}).status_code == 422


def test_csv_export_streams_the_filtered_mentions(reader):
    response = reader.get("/api/mentions.csv", params={"brand": "Novex"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 80 and {row["brand"] for row in rows} == {"Novex"}
    assert rows[0]["created_at"].endswith("+00:00")


def test_csv_cells_never_run_as_spreadsheet_formulas():
    from brandpulse.reports.web.routers.mentions import csv_cell as _csv_cell

    assert _csv_cell('=HYPERLINK("http://evil.example")') == '\'=HYPERLINK("http://evil.example")'
    assert _csv_cell("@everyone") == "'@everyone" and _csv_cell("fine") == "fine" and _csv_cell(-3) == -3


def test_facets_list_sources_and_languages(reader):
    facets = reader.get("/api/facets").json()
    assert facets["brands"] == BRANDS
    assert {"x", "reddit", "bluesky"} <= set(facets["sources"]) and {"en", "es", "zh"} <= set(facets["languages"])


def test_silence_and_acknowledge_from_the_alerts_api(client):
    alerts = {a["fingerprint"]: a for a in client.get("/api/alerts").json()["alerts"]}
    assert set(alerts) == {"f-firing", "f-resolved", "f-novex"}
    assert alerts["f-firing"]["summary"] == "Negative share of Lumora at 64% <b>bold</b>"
    created = client.post("/api/silences", json={"matchers": [{"name": "brand", "value": "Lumora"}],
                                                 "comment": "campaign", "created_by": "ana", "duration": "2h"})
    assert created.status_code == 201
    acked = client.post("/api/alerts/f-novex/acknowledge", json={"created_by": "bo", "comment": "on it"})
    assert acked.status_code == 201 and acked.json()["expires_at"] is None
    for_a_while = client.post("/api/alerts/f-firing/acknowledge", json={"created_by": "cy", "duration": "1h30m"})
    assert datetime.fromisoformat(for_a_while.json()["expires_at"]) == END + timedelta(minutes=30)  # now: END - 1h
    data = client.get("/api/alerts").json()
    by_fingerprint = {a["fingerprint"]: a for a in data["alerts"]}
    assert by_fingerprint["f-firing"]["silenced_by"] == [created.json()["id"]]
    assert by_fingerprint["f-novex"]["silenced_by"] == []
    assert by_fingerprint["f-novex"]["acknowledged"]["acknowledged_by"] == "bo"
    assert by_fingerprint["f-firing"]["acknowledged"]["acknowledged_by"] == "cy"
    [silence] = data["silences"]
    assert silence["matchers"] == [{"name": "brand", "value": "Lumora", "op": "="}]
    starts, ends = (datetime.fromisoformat(silence[key]) for key in ("starts_at", "ends_at"))
    assert ends - starts == timedelta(hours=2)
    with client.app.state.engine.connect() as connection:
        from brandpulse.storage.silences import load_acknowledgements, load_silences

        assert [s.id for s in load_silences(connection, END)] == [created.json()["id"]]  # the router reads it back
        assert [a.fingerprint for a in load_acknowledgements(connection, END)] == ["f-novex", "f-firing"]
    assert client.delete(f"/api/silences/{created.json()['id']}").status_code == 200
    assert client.delete(f"/api/silences/{created.json()['id']}").status_code == 404
    assert client.post("/api/alerts/nope/acknowledge", json={}).status_code == 404
    bad_regex = {"matchers": [{"name": "brand", "value": "(", "op": "=~"}], "comment": "x"}
    assert client.post("/api/silences", json=bad_regex).status_code == 422
    assert client.post("/api/silences", json={"matchers": [], "comment": "x"}).status_code == 422
    no_comment = {"matchers": [{"name": "brand", "value": "Lumora"}], "comment": ""}
    assert client.post("/api/silences", json=no_comment).status_code == 422
    everything = {"matchers": [{"name": "brand", "value": ".*", "op": "=~"}], "comment": "all"}
    assert client.post("/api/silences", json=everything).status_code == 422
    lumora = {"matchers": [{"name": "brand", "value": "Lumora"}], "comment": "x"}
    for duration in ("2 hours", "0s", "400d"):   # not a duration, nothing, past the longest
        assert client.post("/api/silences", json={**lumora, "duration": duration}).status_code == 422
    assert client.post("/api/silences", json={**lumora, "duration_hours": 2}).status_code == 422  # the old spelling


def test_state_changing_calls_take_json_only(client):
    response = client.post("/api/silences", content="matchers=brand", headers={"content-type": "text/plain"})
    assert response.status_code == 415


def test_themes_api_names_the_brands_complaints(reader):
    data = reader.get("/api/themes", params={"brand": "Lumora", "days": 28}).json()
    assert data["available"] and data["themes"][0]["status"] == "new"
    assert all("路莫拉" not in theme["name"] for theme in data["themes"])
    assert reader.get("/api/themes", params={"brand": "Nobody"}).status_code == 404


def test_themes_api_without_an_encoder_says_so(sqlite_seeded):
    with local_client(make_app(sqlite_seeded[0], embed=None)) as client:
        assert client.get("/api/themes", params={"brand": "Lumora"}).json()["available"] is False
        assert "started without" in client.get("/themes").text


def test_pages_render_and_the_openapi_schema_describes_every_api(reader):
    for path in ("/", "/brands/Lumora", "/mentions", "/alerts", "/themes"):
        response = reader.get(path)
        assert response.status_code == 200 and "BrandPulse" in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]
    schema = reader.get("/openapi.json").json()
    assert {"/api/overview", "/api/brands/{brand}", "/api/mentions", "/api/mentions.csv", "/api/alerts",
            "/api/silences", "/api/alerts/{fingerprint}/acknowledge", "/api/themes",
            "/api/facets"} <= set(schema["paths"])
    overview = schema["paths"]["/api/overview"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert overview == {"$ref": "#/components/schemas/Overview"}
    brand = schema["components"]["schemas"]["BrandOverview"]["properties"]
    assert {"series", "change", "rising_terms", "alert_periods", "share_of_voice"} <= set(brand)
    assert brand["change"] == {"$ref": "#/components/schemas/Change"}


def test_without_a_token_only_loopback_hosts_are_served(reader):
    assert reader.get("/api/facets", headers={"host": "127.0.0.1:8765"}).status_code == 200
    assert reader.get("/api/facets", headers={"host": "[::1]:8765"}).status_code == 200
    assert reader.get("/api/facets", headers={"host": "attacker.example"}).status_code == 403
    assert reader.get("/api/facets", headers={"host": "testserver"}).status_code == 403  # tests get no pass


def test_with_a_token_every_page_and_api_needs_it(sqlite_seeded):
    with local_client(make_app(sqlite_seeded[0], token="s3cret")) as client:
        assert client.get("/api/overview").status_code == 401
        assert client.get("/openapi.json").status_code == 401
        assert client.get("/mentions", follow_redirects=False).headers["location"] == "/login?next=/mentions"
        assert client.get("/api/facets", headers={"authorization": "Bearer s3cret"}).status_code == 200
        assert client.get("/api/facets", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/api/facets", auth=("anyone", "s3cret")).status_code == 200
        assert client.get("/api/facets", headers={"host": "dashboard.example"},
                          auth=("anyone", "s3cret")).status_code == 200
        wrong = client.post("/login", data={"token": "nope", "next": "/alerts"})
        assert "not right" in wrong.text
        signed_in = client.post("/login", data={"token": "s3cret", "next": "//evil.example"}, follow_redirects=False)
        assert signed_in.headers["location"] == "/"
        assert client.get("/api/facets").status_code == 200  # the session cookie


@pytest.mark.parametrize(("host", "token", "ok"), [
    ("127.0.0.1", None, True), ("localhost", None, True), ("::1", None, True),
    ("0.0.0.0", None, False), ("192.168.1.5", None, False), ("0.0.0.0", "s3cret", True)])
def test_binding_beyond_loopback_requires_a_token(host, token, ok):
    if ok:
        check_bind(host, token)
    else:
        with pytest.raises(ValueError, match="token"):
            check_bind(host, token)


def test_the_background_warmer_fills_the_overview_cache(sqlite_seeded):
    import time as clock

    with local_client(make_app(sqlite_seeded[0], warm_days=60)) as client:
        daily = client.app.state.daily
        deadline = clock.monotonic() + 10
        while len(daily._days) < 120 and clock.monotonic() < deadline:
            clock.sleep(0.05)
        assert len(daily._days) >= 120
        cold = make_app(sqlite_seeded[0])
        with local_client(cold) as reference:
            assert client.get("/api/overview", params={"days": 60}).json() == \
                reference.get("/api/overview", params={"days": 60}).json()
