"""Customer experience in reports and the dashboard: the CX map's counts per touchpoint and journey
stage (both engines), what moved most, response figures, the cases API and its actions (which need
the token like every call), anger in the overview, and the feedback report's CX section built from
the same frames. Data: tests/reports/cx_data.py on top of the reports' dataset."""

from __future__ import annotations

from datetime import timedelta

import pytest

from brandpulse.reports.cx_map import cx_map, trim
from brandpulse.reports.feedback import build_report
from brandpulse.reports.web import create_app
from brandpulse.storage.cx import cx_cells, cx_quotes
from brandpulse.storage.engine import open_database
from tests.reports.conftest import END, MODEL, START, seed
from tests.reports.cx_data import BEFORE, TARGETS, seed_cx
from tests.reports.test_web import local_client

NOW = END - timedelta(hours=1)


@pytest.fixture
def cx_engine(database_url):
    engine = open_database(database_url)
    seed(engine)
    cases = seed_cx(engine)
    yield engine, cases
    engine.dispose()


@pytest.fixture(scope="module")
def cx_sqlite(tmp_path_factory):
    engine = open_database(f"sqlite:///{tmp_path_factory.mktemp('cx') / 'brandpulse.db'}")
    seed(engine)
    cases = seed_cx(engine)
    yield engine, cases
    engine.dispose()


def cx_app(engine, **options):
    return create_app(engine, model_id=MODEL, brands=["Lumora", "Novex"], now=lambda: NOW, response_targets=TARGETS,
                      **options)


@pytest.fixture(scope="module")
def client(cx_sqlite):
    """A client over the shared SQLite data, for tests that only read."""
    with local_client(cx_app(cx_sqlite[0])) as client:
        yield client


@pytest.fixture
def writer(cx_engine):
    """A client over fresh data on each engine, for the tests that change cases."""
    with local_client(cx_app(cx_engine[0])) as client:
        client.cases = cx_engine[1]
        yield client


def test_cells_count_tagged_mentions_per_touchpoint_and_stage_with_their_anger(cx_engine):
    engine, _ = cx_engine
    with engine.connect() as connection:
        now = cx_cells(connection, model_id=MODEL, start=START, end=END)
        before = cx_cells(connection, model_id=MODEL, start=BEFORE, end=START, brand_names=["Lumora"])
        other_model = cx_cells(connection, model_id="m2", start=START, end=END)
        novex = cx_cells(connection, model_id=MODEL, start=START, end=END, brand_names=["Novex"])
    cells = {(row.touchpoint, row.stage): row for row in now.itertuples()}
    assert set(cells) == {("delivery", "purchase"), ("customer_service", "support"), ("price", "consideration")}
    delivery = cells[("delivery", "purchase")]
    counted = (delivery.volume, delivery.negative, delivery.positive, delivery.angry, delivery.emotional)
    assert counted == (9, 8, 1, 5, 9)
    assert (cells[("customer_service", "support")].negative, cells[("customer_service", "support")].angry) == (3, 0)
    assert {(row.touchpoint, row.volume) for row in before.itertuples()} == {("delivery", 2), ("price", 3)}
    assert other_model["scored"].sum() == 0 and other_model["volume"].sum() == 14  # counted, never scored by m2
    assert novex.empty


def test_quotes_are_the_most_reached_negative_posts_of_each_touchpoint_first(cx_engine):
    engine, _ = cx_engine
    with engine.connect() as connection:
        quotes = cx_quotes(connection, model_id=MODEL, start=START, end=END, per_touchpoint=2)
    by_touchpoint = quotes.groupby("touchpoint")["author"].apply(list).to_dict()
    assert by_touchpoint["delivery"] == ["dana_k", "eli_r"]  # reach 900 and 300, before the late{i} posts
    assert by_touchpoint["customer_service"][0] == "fay_m" and len(by_touchpoint["price"]) == 2
    assert set(quotes["label"]) == {"negative", "neutral"} and quotes["url"].str.startswith("https://").all()


def test_the_map_leads_with_the_cell_that_moved_most(cx_sqlite):
    with cx_sqlite[0].connect() as connection:
        found = cx_map(connection, model_id=MODEL, start=START, end=END, brand_names=["Lumora"])
    assert found.touchpoints == ["delivery", "customer_service", "price"]  # by mentions in the window
    assert found.stages == ["consideration", "purchase", "support"]  # journey order
    biggest = found.biggest_change
    assert (biggest.touchpoint, biggest.stage, biggest.movement) == ("delivery", "purchase", 7 + 7)
    assert found.headline.startswith("Delivery at the purchase stage moved most against the previous period: "
                                     "9 mentions (+7), 8 negative (+7), net sentiment -78 (-78 pts), anger 56%")
    price = next(cell for cell in found.cells if cell.touchpoint == "price")
    assert price.to_dict()["volume_change"] == pytest.approx(-1 / 3) and price.now.anger_share == 0.0


def test_quotes_are_trimmed_at_a_word():
    assert trim("short  and\nfolded") == "short and folded"
    long = "parcel " * 60
    assert len(trim(long)) <= 280 and trim(long).endswith("parcel…")


def test_cx_map_api_documents_the_same_figures(client):
    data = client.get("/api/cx/map", params={"days": 28, "brand": "Lumora"}).json()
    assert data["brand"] == "Lumora" and data["window"]["days"] == 28
    assert data["biggest_change"]["touchpoint"] == "delivery" and data["headline"].startswith("Delivery at the")
    cell = next(c for c in data["cells"] if (c["touchpoint"], c["stage"]) == ("delivery", "purchase"))
    assert (cell["volume"], cell["previous"]["volume"], cell["anger_share"]) == (9, 2, pytest.approx(5 / 9))
    assert cell["net_sentiment_change"] == pytest.approx((1 - 8) / 9 - 0)
    assert [q["author"] for q in data["quotes"]["delivery"]] == ["dana_k", "eli_r", "late5"]
    assert client.get("/api/cx/map", params={"brand": "Nobody"}).status_code == 404
    assert client.get("/api/cx/map", params={"days": 28, "brand": "Novex"}).json()["cells"] == []


def test_cx_figures_api_gives_response_rate_times_and_sla_per_source_touchpoint_and_day(client):
    data = client.get("/api/cx/figures", params={"days": 28}).json()
    total = data["total"]
    assert (total["cases"], total["answered"], total["response_rate"]) == (3, 2, pytest.approx(2 / 3))
    assert total["median_first_response_s"] == (1800 + 30 * 3600) / 2
    assert total["within_sla"] == pytest.approx(1 / 3)  # dana within 4 h; eli late; fay unanswered past 24 h
    assert data["previous"] is None and data["every"] == "day" and data["targets"]["angry"] == "4h"
    by_source = {row["group"]: row for row in data["by_source"]}
    assert (by_source["x"]["cases"], by_source["x"]["within_sla"], by_source["reddit"]["within_sla"]) == (2, 0.5, 0.0)
    assert [row["group"] for row in data["by_touchpoint"]] == ["delivery", "customer_service"]
    assert [row["period"] for row in data["over_time"]] == ["2026-03-03", "2026-03-11", "2026-03-21"]


def test_cases_are_listed_with_filters_and_shown_with_posts_and_history(client, cx_sqlite):
    cases = cx_sqlite[1]
    listed = client.get("/api/cases").json()
    assert [c["author"] for c in listed] == ["fay_m", "eli_r", "dana_k"]  # newest first
    assert listed[0]["due_at"].startswith("2026-03-22T00:00") and listed[0]["link"] == f"/cases/{cases['fay']}"
    def authors(**filters):
        return [c["author"] for c in client.get("/api/cases", params=filters).json()]

    assert authors(source="reddit") == ["eli_r"] and authors(touchpoint="customer_service") == ["fay_m"]
    assert authors(state="waiting") == ["eli_r", "dana_k"] and authors(severity="angry") == ["dana_k"]
    assert client.get("/api/cases", params={"state": "lost"}).status_code == 422
    dana = client.get(f"/api/cases/{cases['dana']}").json()
    assert [(p["role"], p["author"]) for p in dana["posts"]] == [("customer", "dana_k"), ("reply", "LumoraHelp")]
    assert [e["kind"] for e in dana["history"]] == ["opened", "reply"]
    assert dana["case"]["first_response_at"].startswith("2026-03-03T00:30")
    assert client.get("/api/cases/999").status_code == 404


def test_a_case_is_assigned_commented_and_resolved_from_the_api(writer):
    client, fay = writer, writer.cases["fay"]
    assigned = client.post(f"/api/cases/{fay}/assign", json={"assignee": "ana", "actor": "lead"})
    assert assigned.status_code == 200 and assigned.json()["case"]["state"] == "assigned"
    noted = client.post(f"/api/cases/{fay}/comment", json={"note": "called her back", "actor": "ana"}).json()
    last = noted["history"][-1]
    assert (last["actor"], last["kind"], last["note"]) == ("ana", "comment", "called her back")
    resolved = client.post(f"/api/cases/{fay}/resolve", json={"actor": "ana"}).json()
    assert resolved["case"]["state"] == "resolved" and resolved["case"]["resolved_at"] is not None
    assert client.post(f"/api/cases/{fay}/resolve", json={}).status_code == 409  # already resolved
    assert client.post(f"/api/cases/{fay}/assign", json={"assignee": "bo"}).status_code == 409
    assert client.post(f"/api/cases/{fay}/comment", json={"note": ""}).status_code == 422
    assert client.post("/api/cases/999/assign", json={"assignee": "bo"}).status_code == 404
    form = client.post(f"/api/cases/{fay}/comment", content="note=x",
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415  # JSON only: a cross-site form cannot act on a case


def test_case_actions_need_the_token_when_the_dashboard_has_one(cx_engine):
    engine, cases = cx_engine
    dana = cases["dana"]
    with local_client(cx_app(engine, token="s3cret")) as client:
        assert client.post(f"/api/cases/{dana}/comment", json={"note": "hi"}).status_code == 401
        assert client.get("/api/cases").status_code == 401 and client.get("/api/cx/map").status_code == 401
        assert client.get("/cx", follow_redirects=False).headers["location"] == "/login?next=/cx"
        remote = {"host": "dashboard.example", "authorization": "Bearer s3cret"}
        assert client.post(f"/api/cases/{dana}/comment", json={"note": "on it"}, headers=remote).status_code == 200
    with local_client(cx_app(engine)) as client:  # no token: loopback Host names only
        outside = client.post(f"/api/cases/{dana}/comment", json={"note": "x"}, headers={"host": "attacker.example"})
        assert outside.status_code == 403
        history = client.get(f"/api/cases/{dana}").json()["history"]
    assert [(e["kind"], e["note"]) for e in history if e["kind"] == "comment"] == [("comment", "on it")]


def test_openapi_documents_the_cx_and_case_apis(client):
    assert client.get("/cx").status_code == 200 and client.get("/cases/1").status_code == 200
    assert 'href="/cx"' in client.get("/").text  # in the navigation
    schema = client.get("/openapi.json").json()
    assert {"/api/cx/map", "/api/cx/figures", "/api/cases", "/api/cases/{case_id}", "/api/cases/{case_id}/assign",
            "/api/cases/{case_id}/comment", "/api/cases/{case_id}/resolve"} <= set(schema["paths"])
    models = schema["components"]["schemas"]
    assert {"cells", "quotes", "biggest_change", "headline"} <= set(models["CxMapOut"]["properties"])
    assert {"response_rate", "median_first_response_s", "p90_first_response_s", "within_sla"} <= set(
        models["ResponseFiguresOut"]["properties"])
    assert all("description" in field for field in models["ResponseFiguresOut"]["properties"].values()
               if field.get("title") != "Resolved")


def test_the_overview_counts_anger_where_emotions_are_scored(client):
    brands = {b["brand"]: b for b in client.get("/api/overview", params={"days": 28}).json()["brands"]}
    lumora, novex = brands["Lumora"], brands["Novex"]
    assert lumora["angry"] == 5 and lumora["anger_share"] == pytest.approx(5 / lumora["scored"])
    assert lumora["change"]["previous"]["anger_share"] == 0.0  # February's posts have emotions, none angry
    assert lumora["change"]["anger_share"] == pytest.approx(5 / lumora["scored"])
    angry_days = {point["start"][:10]: point["anger"] for point in lumora["series"] if point["anger"]}
    assert angry_days == {"2026-03-03": 1, "2026-03-04": 1, "2026-03-05": 1, "2026-03-06": 1, "2026-03-07": 1}
    hourly = client.get("/api/overview", params={"days": 7, "until": "2026-03-07"}).json()
    assert sum(p["anger"] or 0 for p in hourly["brands"][0]["series"]) == 5  # per hour, from the series query
    assert novex["angry"] is None and novex["change"]["anger_share"] is None  # no emotions scored: unknown


def test_the_feedback_report_leads_its_cx_section_with_what_moved_most(cx_sqlite):
    engine = cx_sqlite[0]
    document = build_report(engine, "Lumora", START, END, model_id=MODEL, pdf=False, response_targets=TARGETS,
                            now=NOW)
    with engine.connect() as connection:
        same = cx_map(connection, model_id=MODEL, start=START, end=END, brand_names=["Lumora"])
    assert document.data.cx_map.to_dict() == same.to_dict()  # the dashboard's frame, not a twin
    section = document.html[document.html.index("<h2>Customer experience</h2>"):]
    assert section.index(same.headline.split(":")[0]) < section.index("Touchpoint × journey stage")
    assert "★" in section and "dana_k" in section and "67% answered" in section and "33% within the SLA" in section
    assert "<svg" in section.split("Responses to customers")[1]  # cases per day, answered and within SLA
    empty = build_report(engine, "Novex", START, END, model_id=MODEL, pdf=False, now=NOW)
    assert empty.data.cx_map is None and "Customer experience" not in empty.html
