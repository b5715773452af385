"""The overview, brand and alerts APIs answer "what needs attention": the window against the period
before it, each brand's alert periods, rising complaint terms, the most-reached negative posts, and
alerts only (never the rule states of quiet brands). Through the real ASGI app on seeded data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from brandpulse.reports.web.windows import fit_window
from brandpulse.storage.schema import alert_state
from tests.reports.conftest import END, START
from tests.reports.test_web import local_client, make_app, moment

LAST_DAY = (END - timedelta(days=1)).date().isoformat()


@pytest.fixture(scope="module")
def reader(sqlite_seeded):
    with local_client(make_app(sqlite_seeded[0])) as client:
        yield client


@pytest.fixture
def writer(seeded):
    """A client over its own seeded database (SQLite and PostgreSQL), for tests that write."""
    with local_client(make_app(seeded[0])) as client:
        yield client


def overview(client: TestClient, **params) -> dict:
    response = client.get("/api/overview", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def brand(data: dict, name: str) -> dict:
    return next(b for b in data["brands"] if b["brand"] == name)


def test_the_window_is_fitted_to_the_data_when_not_asked_for():
    now = datetime(2026, 12, 4, 17, tzinfo=UTC)
    first, latest = datetime(2026, 3, 2, 0, 7, tzinfo=UTC), datetime(2026, 3, 15, 23, 57, tzinfo=UTC)
    fitted = fit_window(None, None, now, first, latest)
    assert (fitted.start, fitted.end, fitted.defaulted) == (datetime(2026, 3, 9, tzinfo=UTC),
                                                            datetime(2026, 3, 16, tzinfo=UTC), True)
    assert fitted.previous_start == datetime(2026, 3, 2, tzinfo=UTC) and fitted.bucket_name == "hour"
    live = fit_window(None, None, now, now - timedelta(days=400), now - timedelta(minutes=5))
    assert (live.days, live.end, live.bucket_name) == (30, datetime(2026, 12, 5, tzinfo=UTC), "day")
    assert fit_window(None, None, now, None, None).end == datetime(2026, 12, 5, tzinfo=UTC)
    asked = fit_window(7, datetime(2026, 3, 12).date(), now, first, latest)
    assert (asked.start, asked.end, asked.defaulted) == (datetime(2026, 3, 6, tzinfo=UTC),
                                                         datetime(2026, 3, 13, tzinfo=UTC), False)


def test_each_brand_is_compared_with_the_period_before_the_window(reader):
    now = brand(overview(reader, days=28), "Lumora")
    before = brand(overview(reader, days=28, until=(START - timedelta(days=1)).date().isoformat()), "Lumora")
    previous = now["change"]["previous"]
    assert previous["volume"] == before["volume"] > 0 and previous["negative"] == before["negative"]
    assert now["change"]["volume"] == pytest.approx((now["volume"] - before["volume"]) / before["volume"])
    assert now["change"]["negative_share"] == pytest.approx(now["negative_share"] - before["negative_share"])
    assert now["change"]["net_sentiment"] == pytest.approx(now["net_sentiment"] - before["net_sentiment"])
    assert now["change"]["anger_share"] is None  # no emotions scored: no invented figure


def test_each_brand_carries_the_alert_periods_of_its_window(reader):
    data = overview(reader, days=28)
    lumora = brand(data, "Lumora")
    assert [a["fingerprint"] for a in lumora["alert_periods"]] == ["f-resolved", "f-firing"]
    resolved = lumora["alert_periods"][0]
    assert (moment(resolved["starts_at"]), moment(resolved["ends_at"])) == (START + timedelta(days=5),
                                                                            START + timedelta(days=6))
    assert [a["fingerprint"] for a in brand(data, "Novex")["alert_periods"]] == ["f-novex"]
    first_week = brand(overview(reader, days=7, until=(START + timedelta(days=6)).date().isoformat()), "Lumora")
    assert [a["fingerprint"] for a in first_week["alert_periods"]] == ["f-resolved"]


def test_rising_terms_are_the_complaints_new_in_the_window(reader):
    terms = {t["term"]: t for t in brand(overview(reader, days=28), "Lumora")["rising_terms"]}
    assert "shipping" in " ".join(terms) or "delivery" in " ".join(terms)
    assert all(t["count"] >= 2 and t["change"] == pytest.approx(t["count"] / (t["previous"] + 1), abs=0.05)
               for t in terms.values())
    assert not any("lumora" in term for term in terms)  # the brand's own name is no complaint


def test_the_most_reached_negative_mentions_of_the_last_days_come_first(reader):
    first_week = overview(reader, days=7, until=(START + timedelta(days=6)).date().isoformat())
    urgent = first_week["urgent_mentions"]
    reach = [m["reach"] for m in urgent]
    assert reach == sorted(reach, reverse=True) and urgent[0]["reach"] == 10_000_000  # the <script> post
    month = overview(reader, days=28)
    assert moment(month["urgent_since"]) == END - timedelta(days=7)
    assert all(END - timedelta(days=7) <= moment(m["created_at"]) < END for m in month["urgent_mentions"])
    assert 10_000_000 not in [m["reach"] for m in month["urgent_mentions"]]  # three weeks old: history, not urgent
    scored = reader.get("/api/mentions", params={"sentiment": "negative", "limit": 500}).json()["items"]
    assert {m["text"] for m in urgent} <= {m["text"] for m in scored}


def test_a_language_filter_counts_that_language_only(reader):
    chinese = brand(overview(reader, days=28, language="zh"), "Lumora")
    listed = reader.get("/api/mentions", params={"brand": "Lumora", "language": "zh", "since": START.isoformat(),
                                                 "until": END.isoformat(), "count": "true"}).json()
    assert 0 < chinese["volume"] == listed["total"] < brand(overview(reader, days=28), "Lumora")["volume"]
    assert "language=zh" in chinese["mentions_link"]


def test_the_brand_page_breaks_the_window_down_and_links_every_figure(reader):
    data = reader.get("/api/brands/Lumora", params={"days": 28}).json()
    card = data["overview"]
    assert sum(row["volume"] for row in data["sources"]) == card["volume"]
    assert sum(row["volume"] for row in data["languages"]) == card["volume"]
    assert {"en", "es", "zh"} <= {row["key"] for row in data["languages"]}
    assert all(row["mentions_link"].startswith("/mentions?brand=Lumora&since=2026-03-01T00%3A00")
               for row in data["sources"] + data["languages"] + data["top_authors"])
    reach = [row["reach"] for row in data["top_authors"]]
    assert reach == sorted(reach, reverse=True) and len(reach) == 10
    assert data["peers"] == ["Lumora", "Novex"]
    shares = [day["shares"] for day in data["share_of_voice"] if day["shares"]["Lumora"] is not None]
    assert shares and all(sum(day.values()) == pytest.approx(1.0) for day in shares)
    author = data["top_authors"][1]
    posts = reader.get(data["top_authors"][1]["mentions_link"].replace("/mentions", "/api/mentions")).json()
    assert len(posts["items"]) == author["mentions"]
    assert {m["author_handle"] for m in posts["items"]} == {author["author"]}
    assert reader.get("/api/brands/Nobody").status_code == 404


def test_alerts_are_listed_never_the_rule_states_of_quiet_brands(writer):
    client = writer
    with client.app.state.engine.begin() as connection:
        connection.execute(insert(alert_state), [{
            "fingerprint": "f-quiet", "rule": "negative-spike", "state": "inactive",
            "labels": {"alertname": "negative-spike", "brand": "Novex"}, "data": {"value": 1.0},
            "updated_at": END - timedelta(hours=2)}])
    listed = {a["fingerprint"]: a for a in client.get("/api/alerts").json()["alerts"]}
    assert set(listed) == {"f-firing", "f-resolved", "f-novex"}
    assert client.get("/api/alerts", params={"state": "inactive"}).status_code == 422
    assert client.post("/api/alerts/f-quiet/acknowledge", json={}).status_code == 404
    assert (listed["f-firing"]["can_silence"], listed["f-firing"]["can_acknowledge"]) == (True, True)
    assert (listed["f-resolved"]["can_silence"], listed["f-resolved"]["can_acknowledge"]) == (False, False)
    link = listed["f-resolved"]["mentions_link"]
    assert link.startswith("/mentions?brand=Lumora&since=2026-03-06T00%3A00&until=2026-03-07T01%3A00")
    resolved = client.get("/api/alerts", params={"state": "resolved"}).json()["alerts"]
    assert [a["fingerprint"] for a in resolved] == ["f-resolved"]


def test_api_docs_are_served_from_this_machine(reader):
    page = reader.get("/docs")
    assert page.status_code == 200 and "https://" not in page.text and "/docs-assets/swagger-ui-bundle.js" in page.text
    bundle = reader.get("/docs-assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "SwaggerUIBundle" in bundle.text[:200_000]


def test_docs_and_metrics_need_the_token_like_everything_else(sqlite_seeded):
    with local_client(make_app(sqlite_seeded[0], token="s3cret")) as client:
        assert client.get("/docs", follow_redirects=False).headers["location"] == "/login?next=/docs"
        assert client.get("/metrics", follow_redirects=False).status_code == 303
        headers = {"authorization": "Bearer s3cret"}
        assert client.get("/api/facets", headers=headers).status_code == 200
        metrics = client.get("/metrics", headers=headers).text
    assert 'brandpulse_dashboard_requests_total{route="/api/facets",status="200"} 1.0' in metrics


def test_the_overview_and_brand_page_read_alike_on_sqlite_and_postgresql(writer):
    """Every query behind the two pages, on the engine `writer` runs on (each engine, in turn)."""
    data = overview(writer, days=28)
    lumora = brand(data, "Lumora")
    assert lumora["volume"] == writer.get("/api/mentions", params={
        "brand": "Lumora", "since": START.isoformat(), "until": END.isoformat(), "count": "true"}).json()["total"]
    assert moment(data["first_mention"]) < START <= moment(data["latest_mention"]) < END
    assert lumora["rising_terms"] and [a["fingerprint"] for a in lumora["alert_periods"]] == ["f-resolved", "f-firing"]
    week = overview(writer, days=7, until=(START + timedelta(days=6)).date().isoformat())
    assert week["window"]["bucket"] == "hour" and len(brand(week, "Lumora")["series"]) == 7 * 24
    assert week["urgent_mentions"][0]["reach"] == 10_000_000
    detail = writer.get("/api/brands/Lumora", params={"days": 28}).json()
    reach = [row["reach"] for row in detail["top_authors"]]
    assert reach == sorted(reach, reverse=True) and sum(r["volume"] for r in detail["sources"]) == lumora["volume"]
