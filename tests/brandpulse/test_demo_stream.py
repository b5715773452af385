"""The demo's sample stream: reproducible, well-formed, varied, and with one complaint storm, for Lumora only."""

from __future__ import annotations

import fnmatch
import gzip
import json
import math
import re
import statistics
import tomllib
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from brandpulse.demo import generate as gen
from brandpulse.demo import scenario, texts
from brandpulse.demo.dice import Dice
from brandpulse.demo.writer import Writer
from brandpulse.listeners.records import Engagement, Mention

REQUIRED_LANGUAGES = {"en", "es", "de", "fr", "pl", "zh"}
BRANDS = ("Lumora", "Brevio", "Vexon")


@pytest.fixture(scope="module")
def shipped() -> list[dict[str, Any]]:
    return gen.load(gen.SHIPPED)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "stream.jsonl.gz"
    assert gen.main(["--seed", str(gen.SEED), "--out", str(out)]) == 0
    return out


def _day(record: dict[str, Any]) -> int:
    """1-based day of the stream."""
    return (datetime.fromisoformat(record["created_at"]) - gen.START).days + 1


def _hourly_negatives(records: list[dict[str, Any]], brand: str) -> dict[int, int]:
    """Negative-intent lines of `brand` per hour of the stream (every hour present, zeros included)."""
    counts = Counter(int((datetime.fromisoformat(r["created_at"]) - gen.START).total_seconds() // 3600)
                     for r in records if r["brand"] == brand and r["raw"]["demo_intent"] == "negative")
    return {hour: counts.get(hour, 0) for hour in range(gen.DAYS * 24)}


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path, regenerated: Path) -> None:
    again = tmp_path / "again.jsonl.gz"
    gen.main(["--seed", str(gen.SEED), "--out", str(again)])
    assert again.read_bytes() == regenerated.read_bytes()

    other = tmp_path / "other.jsonl.gz"
    gen.main(["--seed", "8", "--out", str(other)])
    assert gzip.decompress(other.read_bytes()) != gzip.decompress(regenerated.read_bytes())


def test_the_shipped_file_is_the_generators_output_for_the_documented_seed(regenerated: Path) -> None:
    shipped = gen.SHIPPED.read_bytes()
    assert gzip.decompress(shipped) == gzip.decompress(regenerated.read_bytes())
    # No timestamp and no file name in the gzip header: the bytes depend on the content only.
    assert shipped[3] == 0 and shipped[4:8] == b"\0\0\0\0"
    assert len(shipped) < 2_000_000


def test_the_shipped_readme_states_the_shipped_counts(shipped: list[dict[str, Any]]) -> None:
    text = (gen.DATA_DIR / "README.md").read_text(encoding="utf-8")
    expected = gen.readme(shipped, seed=gen.SEED, days=gen.DAYS, scale=1.0, size=gen.SHIPPED.stat().st_size)
    assert text == expected
    assert f"--seed {gen.SEED} --out brandpulse/demo/data/stream.jsonl.gz" in text


def test_the_texts_are_data_files_whose_slots_the_writer_fills() -> None:
    files = sorted((texts.DATA_DIR / "texts").glob("*.json"))
    assert [f.stem for f in files] == sorted(scenario.LANGS)
    brand = scenario.BRAND_BY_NAME["Lumora"]
    fillable = set(Writer(Dice(1)).slots(brand, "en"))
    for path in [*files, texts.DATA_DIR / "world.json"]:
        used = set(re.findall(r"\{(\w+)\}", path.read_text(encoding="utf-8")))
        assert used <= fillable, (path.name, used - fillable)
    for lang in scenario.LANGS:
        assert {"posts", "storm"} <= set(json.loads((texts.DATA_DIR / "texts" / f"{lang}.json").read_text()))
    # Every text of the stream comes from them: no template text is left in the code.
    code = "".join(p.read_text(encoding="utf-8") for p in texts.DATA_DIR.parent.glob("*.py"))
    assert "visibly swollen" not in code and "Ladecase meiner" not in code


def test_the_wheel_ships_every_demo_data_file() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["brandpulse.demo"]
    package = texts.DATA_DIR.parent
    files = [p.relative_to(package).as_posix() for p in texts.DATA_DIR.rglob("*") if p.is_file()]
    assert "data/texts/en.json" in files and "data/world.json" in files
    unshipped = [f for f in files if not any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs)]
    assert unshipped == []


def test_a_small_sample_without_the_storm(tmp_path: Path) -> None:
    out = tmp_path / "small.jsonl.gz"
    gen.main(["--days", "3", "--scale", "0.2", "--out", str(out)])
    records = gen.load(out)
    assert 50 < len(records) < 400
    assert {r["raw"]["demo_phase"] for r in records} == {"normal"}
    assert max(r["created_at"] for r in records) < "2026-03-05"


def test_every_line_is_a_well_formed_mention(shipped: list[dict[str, Any]]) -> None:
    assert 3_000 <= len(shipped) <= 5_000
    start, end = gen.START, gen.START + timedelta(days=gen.DAYS)
    seen: set[tuple[str, str]] = set()
    for record in shipped:
        assert set(record) == set(scenario.FIELDS), record
        assert record["source"] in scenario.SOURCES
        assert record["brand"] in BRANDS
        for key in ("external_id", "text", "created_at", "author_id", "author_handle", "url"):
            assert isinstance(record[key], str) and record[key], (key, record)
        assert record["created_at"].endswith("Z")
        assert record["author_reach"] is None or (isinstance(record["author_reach"], int)
                                                  and record["author_reach"] >= 0)
        assert record["language"] is None or isinstance(record["language"], str)
        engagement = record["engagement"]
        assert set(engagement) >= {"likes", "reposts", "replies", "quotes"}
        assert all(isinstance(v, int) and v >= 0 for v in engagement.values())
        assert record["raw"]["demo_intent"] in ("negative", "neutral", "positive")
        assert record["raw"]["demo_lang"] in scenario.LANGS
        key = (record["source"], record["external_id"])
        assert key not in seen, key
        seen.add(key)
        mention = Mention(source=record["source"], external_id=record["external_id"], text=record["text"],
                          created_at=datetime.fromisoformat(record["created_at"]), brand=record["brand"],
                          url=record["url"], author_id=record["author_id"], author_handle=record["author_handle"],
                          author_reach=record["author_reach"], language=record["language"],
                          engagement=Engagement(**engagement), thread_id=record["thread_id"],
                          parent_id=record["parent_id"], raw=record["raw"])
        assert start <= mention.created_at < end
    assert [r["created_at"] for r in shipped] == sorted(r["created_at"] for r in shipped)


def test_ids_and_threads_look_like_each_source(shipped: list[dict[str, Any]]) -> None:
    ids = {(r["source"], r["external_id"]) for r in shipped}
    for record in shipped:
        source, external_id = record["source"], record["external_id"]
        if source in ("x", "mastodon", "hackernews"):
            assert external_id.isdigit()
        elif source == "reddit":
            assert external_id[:3] in ("t3_", "t1_") and external_id[3:].isalnum()
        elif source == "bluesky":
            assert external_id.startswith("at://did:plc:") and "/app.bsky.feed.post/" in external_id
        else:
            assert external_id == record["url"] and ".example/" in external_id
        for link in ("parent_id", "thread_id"):
            if record[link] is not None:
                assert (source, record[link]) in ids, (link, record)
        if record["raw"]["demo_kind"] in ("reply", "comment"):
            assert record["parent_id"] and record["thread_id"]
        assert record["url"].startswith("https://")


def test_languages_sources_and_rhythm(shipped: list[dict[str, Any]]) -> None:
    api_languages = {r["language"] for r in shipped} - {None, "und"}
    assert len(api_languages) >= 6 and api_languages >= REQUIRED_LANGUAGES
    assert {r["raw"]["demo_lang"] for r in shipped} >= REQUIRED_LANGUAGES | {"it", "pt", "ja"}
    assert {r["source"] for r in shipped} == set(scenario.SOURCES)
    for record in shipped:
        if record["source"] in ("reddit", "hackernews", "rss"):
            assert record["language"] is None
    # Quiet nights and busy evenings for the earbud brands' English speakers (mostly UTC-5 and UTC).
    by_hour = Counter(datetime.fromisoformat(r["created_at"]).hour for r in shipped
                      if r["raw"]["demo_phase"] == "normal" and r["raw"]["demo_lang"] == "de")
    assert by_hour[3] * 4 < by_hour[19]


def test_every_brand_has_mentions_on_every_day(shipped: list[dict[str, Any]]) -> None:
    per_day = Counter((r["brand"], _day(r)) for r in shipped)
    for brand in BRANDS:
        for day in range(1, gen.DAYS + 1):
            assert per_day[(brand, day)] >= 20, (brand, day)
    # Lumora is the busiest, Brevio the calmest.
    totals = Counter(r["brand"] for r in shipped)
    assert totals["Lumora"] > totals["Vexon"] > totals["Brevio"]


def test_texts_name_their_brand_and_are_varied(shipped: list[dict[str, Any]]) -> None:
    for record in shipped:
        assert texts.names_brand(record["text"], record["brand"]), record["text"]
    originals = [r["text"] for r in shipped if r["raw"]["demo_kind"] != "repost"]
    repeats = len(originals) - len(set(originals))
    assert repeats <= len(shipped) // 100
    reposts = [r for r in shipped if r["raw"]["demo_kind"] == "repost"]
    assert 0 < len(reposts) < len(shipped) // 10
    assert all(r["source"] == "x" and r["text"].startswith("RT @") for r in reposts)
    lengths = sorted(len(r["text"]) for r in shipped)
    assert lengths[len(lengths) // 10] < 60 and lengths[-1] > 600  # short posts and long Reddit posts
    for record in shipped:
        if record["source"] == "x":
            assert len(record["text"]) <= 280


def test_every_brand_has_a_steady_baseline_of_complaints(shipped: list[dict[str, Any]]) -> None:
    for brand in BRANDS:
        normal = [r for r in shipped if r["brand"] == brand and r["raw"]["demo_phase"] == "normal"]
        topics = Counter(r["raw"]["demo_topic"] for r in normal if r["raw"]["demo_intent"] == "negative")
        assert {"delivery", "price", "support", "defect"} <= set(topics), (brand, topics)
        share = sum(topics.values()) / len(normal)
        assert 0.1 < share < 0.3, (brand, share)


def test_the_storm_hits_lumora_only(shipped: list[dict[str, Any]]) -> None:
    storm = [r for r in shipped if r["raw"]["demo_phase"] == "storm"]
    assert 300 <= len(storm) <= 800
    assert {r["brand"] for r in storm} == {"Lumora"}
    assert {r["raw"]["demo_lang"] for r in storm} == set(scenario.LANGS)
    start, end = gen.STORM_START.isoformat()[:19], gen.STORM_END.isoformat()[:19]
    assert all(start <= r["created_at"][:19] < end for r in storm)
    per_hour = Counter(r["created_at"][:13] for r in storm)
    peak = max(per_hour, key=per_hour.__getitem__)
    assert abs(datetime.fromisoformat(peak + ":00:00+00:00") - scenario.STORM_PEAK) <= timedelta(hours=2)
    # Mostly negative, with some neutral news coverage and Lumora's own statements.
    intents = Counter(r["raw"]["demo_intent"] for r in storm)
    assert intents["negative"] > 0.8 * len(storm) and intents["neutral"] > 10
    assert any(r["source"] == "rss" for r in storm) and any(r["source"] == "hackernews" for r in storm)
    # Vexon's relieved posts during the storm are positive.
    relief = [r for r in shipped if r["raw"]["demo_phase"] == "storm_relief"]
    assert relief and all(r["brand"] == "Vexon" and r["raw"]["demo_intent"] == "positive" for r in relief)


@pytest.mark.parametrize("brand", BRANDS)
def test_hourly_negative_volume_spikes_for_lumora_alone(shipped: list[dict[str, Any]], brand: str) -> None:
    hourly = _hourly_negatives(shipped, brand)
    storm_days = range(9 * 24, 11 * 24)  # days 10 and 11
    baseline = [hourly[h] for h in range(9 * 24)]  # days 1 to 9
    mean, top = statistics.mean(baseline), max(baseline)
    daily = defaultdict(int)
    for hour, count in hourly.items():
        daily[hour // 24 + 1] += count
    daily_mean = statistics.mean(daily[d] for d in range(1, 10))
    storm_top = max(hourly[h] for h in storm_days)
    if brand == "Lumora":
        assert storm_top >= 20 * mean and storm_top >= 5 * top
        assert sum(1 for h in storm_days if hourly[h] > top) >= 8  # not one odd hour: hours on end
        assert daily[10] > 5 * daily_mean
    else:
        assert storm_top <= top + 1
        for day in (10, 11):
            assert daily[day] <= daily_mean + 3 * math.sqrt(daily_mean) + 1, (brand, day, daily[day])


def test_late_replacements_pile_up_and_lumoras_support_answers_some_soon_some_late(
        shipped: list[dict[str, Any]]) -> None:
    complaints = {r["external_id"]: r for r in shipped
                  if r["raw"]["demo_phase"] == "aftermath" and r["raw"]["demo_topic"] == "delivery"}
    assert 30 <= len(complaints) <= 90
    assert all(r["brand"] == "Lumora" and r["raw"]["demo_intent"] == "negative" for r in complaints.values())
    assert len({r["raw"]["demo_lang"] for r in complaints.values()}) >= 5
    assert {r["source"] for r in complaints.values()} == {"x", "bluesky", "mastodon"}
    start = scenario.REPLACEMENTS_START
    assert all(start <= datetime.fromisoformat(r["created_at"]) < start + timedelta(hours=scenario.REPLACEMENTS_HOURS)
               for r in complaints.values())
    # They pile up: the second half of the window brings more than the first.
    middle = (start + timedelta(hours=scenario.REPLACEMENTS_HOURS / 2)).isoformat()[:19]
    assert sum(r["created_at"][:19] >= middle for r in complaints.values()) > len(complaints) / 2

    delays: dict[str, list[timedelta]] = defaultdict(list)
    for reply in (r for r in shipped if r["raw"]["demo_topic"] == "support_reply" and r["parent_id"] in complaints):
        complaint = complaints[reply["parent_id"]]
        assert reply["source"] == complaint["source"]
        assert reply["author_handle"] == scenario.SUPPORT_ACCOUNTS[reply["source"]]
        assert reply["thread_id"] == (complaint["thread_id"] or complaint["external_id"])
        assert reply["raw"]["demo_lang"] == complaint["raw"]["demo_lang"]
        delays[reply["raw"]["demo_answer"]].append(datetime.fromisoformat(reply["created_at"])
                                                   - datetime.fromisoformat(complaint["created_at"]))
    assert delays["soon"] and max(delays["soon"]) < timedelta(hours=1)       # within every response target
    assert delays["late"] and min(delays["late"]) > timedelta(hours=24)      # past every response target
    assert len(delays["soon"]) + len(delays["late"]) < len(complaints)       # and some never get an answer
