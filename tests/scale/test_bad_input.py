"""Bad input, with hypothesis: clear errors or safe storage, never a crash, never lost neighbours.

- Mentions with hostile texts and fields (NUL, lone surrogates, SQL metacharacters, markup, huge or
  wrong-typed values, over-long ids) are stored safely next to good neighbours, on both engines.
- The query parser raises `QuerySyntaxError` or returns a tree, whatever the text.
- The config loader raises `ConfigError` (file, line, key) or returns a config, whatever the file.
"""

from __future__ import annotations

import itertools
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from brandpulse.config import Config, load_config
from brandpulse.listeners.errors import QuerySyntaxError
from brandpulse.listeners.query import BrandQuery, format_query, parse
from brandpulse.listeners.records import Engagement, Mention
from brandpulse.storage.engine import open_database
from brandpulse.storage.mentions import fit_key, load_cursor, safe_text, store_batch
from brandpulse.storage.schema import mentions, scoring_queue
from brandpulse.yamlsource import ConfigError

T0 = datetime(2026, 3, 2, tzinfo=UTC)
HOSTILE = [
    "\x00", "a\x00b", "\ud800", "x\udfffy", "\ud83d", "'; DROP TABLE mentions; --", "\" OR 1=1 --", "%s %(text)s ?",
    "<script>alert(1)</script>", "]]></xml>", "{{ 7*7 }}", "\\u0000", "\\", "\u202e\u0301\ufeff", "😀👍🏽",
    "\r\n\t\x0b\x1b[31m", "NaN", "𝕏" * 3, "",
]
#: Any code point, surrogates included: what a buggy decoder upstream may hand over.
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=200)
hostile_text = st.one_of(any_text, st.sampled_from(HOSTILE),
                         st.lists(st.sampled_from(HOSTILE), max_size=6).map("".join))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
              st.floats(allow_nan=True, allow_infinity=True), hostile_text),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(hostile_text, children, max_size=4)),
    max_leaves=12)
odd_numbers = st.one_of(st.none(), st.integers(min_value=-(2**80), max_value=2**80), st.floats(), st.booleans(),
                        hostile_text)
_ids = itertools.count()


@st.composite
def hostile_mentions(draw) -> Mention:
    number = next(_ids)
    external_id = draw(st.one_of(st.just(f"bad-{number}"),
                                 st.text(min_size=1, max_size=900).map(lambda text: f"{number}{text}")))
    mention = Mention(
        source=draw(st.one_of(st.just("x"), st.text(min_size=1, max_size=80))), external_id=external_id,
        text=draw(hostile_text), created_at=T0 + timedelta(seconds=number), brand="Lumora",
        url=draw(st.one_of(st.none(), hostile_text)), author_handle=draw(st.one_of(st.none(), hostile_text)),
        author_id=draw(st.one_of(st.none(), st.text(max_size=400))), language=draw(st.one_of(st.none(), hostile_text)),
        thread_id=draw(st.one_of(st.none(), st.text(max_size=400))), raw=draw(st.dictionaries(hostile_text, json_values,
                                                                                              max_size=5)),
        engagement=Engagement())
    # Listeners are typed, but a wrong type must not fail a whole batch either.
    object.__setattr__(mention, "engagement", Engagement(likes=draw(odd_numbers), reposts=draw(odd_numbers),
                                                         views=draw(odd_numbers)))
    object.__setattr__(mention, "author_reach", draw(odd_numbers))
    return mention


def good(number: int) -> Mention:
    return Mention(source="x", external_id=f"good-{number}", text=f"plain neighbour {number}",
                   created_at=T0, brand="Lumora", raw={"id": number})


@pytest.fixture(scope="module")
def engines(request, tmp_path_factory):
    """One database per engine for all examples (each example uses new ids)."""
    from tests.conftest import ENGINES

    made = []
    for name in ENGINES:
        if name == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('bad') / 'bad.db'}"
        else:
            url = request.getfixturevalue("postgres_cluster").create_database("bad_input")
        made.append(open_database(url))
    yield made
    for engine in made:
        engine.dispose()


@settings(max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=st.lists(hostile_mentions(), min_size=1, max_size=4))
def test_hostile_mentions_are_stored_safely_beside_their_neighbours(engines, batch):
    before, after = good(next(_ids)), good(next(_ids))
    for engine in engines:
        with engine.begin() as connection:
            stored = store_batch(connection, source="x", brand="Lumora", query_name="default",
                                 batch=[before, *batch, after], cursor={"last": after.external_id})
        assert len(stored.new) == 2 + len({m.external_id for m in batch})
        with engine.connect() as connection:
            rows = {row.external_id: row for row in connection.execute(
                select(mentions).where(mentions.c.external_id.in_(
                    [fit_key(m.external_id, 300) for m in (before, *batch, after)])))}
            queued = set(connection.execute(select(scoring_queue.c.mention_id)).scalars())
        assert {before.external_id, after.external_id} <= set(rows)
        last = {fit_key(m.external_id, 300): m for m in batch}  # the last of a repeated id wins
        for key, mention in last.items():
            row = rows[key]
            assert row.text == (safe_text(mention.text if isinstance(mention.text, str) else str(mention.text)) or "")
            # A count that is not a storable number is unknown (NULL), never a made-up 0.
            assert all(count is None or 0 <= count < 2**31 for count in (row.likes, row.reposts))
            assert row.views is None or 0 <= row.views < 2**63
            assert row.raw is None or isinstance(row.raw, dict)
            assert row.id in queued
        # A replay stores nothing twice, over-long ids included.
        with engine.begin() as connection:
            again = store_batch(connection, source="x", brand="Lumora", query_name="default",
                                batch=[before, *batch, after], cursor={"last": after.external_id})
        assert again.new == []


def test_clean_values_come_back_exactly(database_url):
    engine = open_database(database_url)
    text = "Ünïcødé 😀 <b>markup</b> '; DROP TABLE mentions; -- %s ? \\ \" \n"
    raw = {"nested": [1, 2.5, None, True, {"k": text}], "big": 2**62, "text": text}
    with engine.begin() as connection:
        store_batch(connection, source="x", brand="Lumora", query_name="default", cursor={},
                    batch=[Mention(source="x", external_id="1", text=text, created_at=T0, brand="Lumora", raw=raw)])
    with engine.connect() as connection:
        row = connection.execute(select(mentions)).one()
    engine.dispose()
    assert row.text == text
    assert row.raw == raw


@pytest.mark.parametrize("cursor", [{"last": ["2026-03-02T00:00:00+00:00", "id\x00\ud800"], "pos": 3},
                                    {"since_id": "😀", "token": "\\u0000"}, {"$json": "not ours"}, {}])
def test_cursors_round_trip_whatever_ids_they_hold(database_url, cursor):
    """A listener's cursor may hold an API's ids: JSONB refuses NUL and lone surrogates, yet the
    cursor must come back unchanged (else its batch fails, page after page)."""
    engine = open_database(database_url)
    with engine.begin() as connection:
        store_batch(connection, source="x", brand="Lumora", query_name="default", batch=[good(next(_ids))],
                    cursor=cursor)
    with engine.connect() as connection:
        assert load_cursor(connection, "x", "Lumora", "default") == cursor
    engine.dispose()


def test_over_long_ids_stay_unique_and_stable():
    long_a, long_b = "a" * 400 + "1", "a" * 400 + "2"
    assert len(fit_key(long_a, 300)) == 300
    assert fit_key(long_a, 300) != fit_key(long_b, 300)
    assert fit_key(long_a, 300) == fit_key(long_a, 300)
    assert fit_key("short", 300) == "short"
    for length in (10, 16, 40):  # keys shorter than a whole digest, like `source` (40)
        assert len(fit_key(long_a, length)) == length
        assert fit_key(long_a, length) != fit_key(long_b, length)


# ----------------------------------------------------------------------------------------------------
# A collect job reading hostile API payloads (the replay source's JSON lines)

def good_record(number: int) -> dict:
    return {"source": "x", "external_id": f"ok-{number}", "text": f"Lumora works fine #{number}",
            "created_at": (T0 + timedelta(minutes=number)).isoformat(), "likes": 3, "author_handle": "ana"}


payload_fields = st.sampled_from(["text", "created_at", "external_id", "likes", "views", "author_reach",
                                  "language", "url", "author_handle", "thread_id", "raw", "source", "title"])
payload_values = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80), st.floats(),
    hostile_text.map(lambda text: f"Lumora {text}"), hostile_text,
    st.just("Lumora " + "huge " * 40_000), st.just("x" * 5_000), st.just("not a date"),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), json_values, max_size=3))


@st.composite
def hostile_payloads(draw) -> dict:
    record = good_record(next(_ids))
    record["external_id"] = f"odd-{record['external_id']}"
    for _ in range(draw(st.integers(1, 3))):
        field = draw(payload_fields)
        if draw(st.booleans()) and field in record:
            del record[field]  # missing
        else:
            record[field] = draw(payload_values)  # wrong-typed, huge, hostile
    return record


@pytest.fixture(scope="module")
def collect_runtime(tmp_path_factory, request):
    """A runtime per engine with a replay source; each example writes a new stream file."""
    from brandpulse.runtime import Runtime
    from tests.conftest import ENGINES

    made = []
    for name in ENGINES:
        folder = tmp_path_factory.mktemp(f"collect-{name}")
        url = (f"sqlite:///{folder / 'collect.db'}" if name == "sqlite"
               else request.getfixturevalue("postgres_cluster").create_database("bad_payloads"))
        (folder / "brandpulse.yaml").write_text(
            f"database: {url}\nbrands:\n  - name: Lumora\n    terms: [Lumora]\n"
            f"sources:\n  replay:\n    path: {folder / 'stream.jsonl'}\n    page_size: 7\n", encoding="utf-8")
        made.append((folder, Runtime.open(load_config(folder / "brandpulse.yaml"),
                                          clock=lambda: datetime(2030, 1, 1, tzinfo=UTC))))
    yield made
    for _, runtime in made:
        runtime.close()


@settings(max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "25")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records=st.lists(st.one_of(hostile_payloads(), st.builds(lambda: good_record(next(_ids)))),
                        min_size=1, max_size=12))
def test_a_collect_job_keeps_every_good_mention_whatever_the_payloads(collect_runtime, records):
    from brandpulse import jobs
    from brandpulse.storage.schema import cursors

    lines = [json.dumps(record) for record in records] + ["{not json", "[]", '"a string"']
    good = {record["external_id"] for record in records
            if isinstance(record.get("external_id"), str) and record["external_id"].startswith("ok-")}
    for folder, runtime in collect_runtime:
        (folder / "stream.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        runtime._listeners.clear()  # a fresh listener reads the new file
        with runtime.engine.begin() as connection:
            connection.execute(cursors.delete())  # replay this file from its start
        counts = jobs.collect(runtime, "replay")  # must not raise
        assert counts.get("errors", 0) == 0
        with runtime.engine.connect() as connection:
            stored = set(connection.execute(select(mentions.c.external_id).where(
                mentions.c.external_id.in_(sorted(good)))).scalars())
        assert stored == good, "a good mention next to bad ones was lost"


@pytest.mark.parametrize("value", [1e30, float("inf"), 10**20, "99999999999999999999"])
def test_out_of_range_epoch_dates_are_a_clear_error(value):
    from brandpulse.listeners.files import parse_date

    with pytest.raises(ValueError):
        parse_date(value)


# ----------------------------------------------------------------------------------------------------
# The query parser

query_text = st.one_of(
    any_text,
    st.lists(st.sampled_from(["acme", "\"phone case\"", "AND", "OR", "NOT", "-", "(", ")", "\"", "\\", "#acme",
                              "@acme", "-refund", "我爱", "\x00", "\ud800", " "]), max_size=30).map(" ".join))


@settings(max_examples=300, deadline=None)
@given(query_text)
def test_the_query_parser_answers_any_text_with_a_tree_or_a_clear_error(text):
    try:
        tree = parse(text)
    except QuerySyntaxError as error:
        assert str(error)
        return
    printed = format_query(tree)
    assert format_query(parse(printed)) == printed  # what it prints, it reads back the same


@settings(max_examples=200, deadline=None)
@given(query_text, any_text)
def test_a_brand_query_filters_any_text_without_crashing(expression, text):
    try:
        query = BrandQuery(brand="Acme", terms=("acme",), expression=expression)
    except (QuerySyntaxError, ValueError):
        return
    assert query.matches(text) in (True, False)


@pytest.mark.parametrize("text", ["(" * 5000 + "acme" + ")" * 5000, "NOT " * 5000 + "acme"])
def test_deeply_nested_queries_get_a_clear_error(text):
    with pytest.raises(QuerySyntaxError):
        parse(text)


# ----------------------------------------------------------------------------------------------------
# The config loader

VALID = {"database": "sqlite:///brandpulse.db", "model": "default",
         "brands": [{"name": "Acme", "terms": ["Acme"], "query": "acme AND NOT refund"}],
         "schedule": {"score": "1m", "evaluate": "5m"}}
yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), any_text,
                         st.sampled_from(["5m", "-1s", "1e309", "${NOT_SET_ANYWHERE}", "sqlite:///x.db",
                                          "postgresql://u@h/d", "((acme", "*alias"]))
yaml_values = st.recursive(yaml_scalars, lambda children: st.one_of(
    st.lists(children, max_size=3), st.dictionaries(st.text(max_size=12), children, max_size=3)), max_leaves=10)
keys = st.sampled_from(["database", "model", "brands", "sources", "schedule", "alerts", "secrets_file",
                        "dashboard_url", "unknown_key"])

@st.composite
def mutated_configs(draw) -> dict:
    """The valid config with a few keys replaced by random values (wrong types, odd texts)."""
    config = json.loads(json.dumps(VALID))
    for _ in range(draw(st.integers(1, 3))):
        key = draw(keys)
        if key == "brands" and draw(st.booleans()):
            brand = dict(VALID["brands"][0])
            brand[draw(st.sampled_from(["name", "terms", "query", "languages", "competitors", "sources", "x"]))] = \
                draw(yaml_values)
            config["brands"] = [brand]
        else:
            config[key] = draw(yaml_values)
    return config


def _check_loader(path: Path) -> None:
    try:
        config = load_config(path)
    except ConfigError as error:
        assert str(error).startswith(str(path))  # names the file (and line and key where it can)
        return
    assert isinstance(config, Config)


@settings(max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=mutated_configs())
def test_the_config_loader_answers_any_config_with_a_config_or_a_clear_error(tmp_path, document):
    path = tmp_path / "brandpulse.yaml"
    try:
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8", errors="surrogatepass")
    except (yaml.YAMLError, UnicodeEncodeError):
        assume(False)
    _check_loader(path)


LINES = ["brands:", "- name: x", "  terms: [", "sources:", "  x: {", "\t", "!!python/object:os.system", "---",
         "database: ${X}", "a: &a 1", "b: *a", "c: *missing", "key: &a [*a]", "secrets_file: nowhere.env"]


@settings(max_examples=int(os.environ.get("BAD_INPUT_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=300), any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                         st.lists(st.sampled_from(LINES), max_size=8).map(lambda lines: "\n".join(lines).encode())))
def test_the_config_loader_answers_any_file_with_a_config_or_a_clear_error(tmp_path, content):
    path = tmp_path / "brandpulse.yaml"
    path.write_bytes(content)
    _check_loader(path)


@pytest.mark.parametrize("content", [
    yaml.safe_dump({**VALID, "secrets_file": True}).encode(),
    b"\x80brands: []\n",
    b"key: &a [*a]\n",
    yaml.safe_dump({**VALID, "database": "not a url"}).encode(),
    yaml.safe_dump({**VALID, "secrets_file": "nowhere.env"}).encode(),
    b"brands: !custom x\n",
], ids=["non-string secrets_file", "non-UTF-8 file", "recursive alias", "unparsable database URL",
       "missing secrets file", "unknown YAML tag"])
def test_loader_bugs_found_here_stay_fixed(tmp_path, content):
    path = tmp_path / "brandpulse.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError):
        load_config(path)
