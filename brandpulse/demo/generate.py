"""The demo's recorded stream: 14 days of brand mentions, seeded and reproducible.

`brandpulse demo` replays this stream in simulated time through the real jobs (collect, score,
evaluate, notify). Three invented brands:

* **Lumora**: consumer audio (Lumora Halo earbuds). On day 10 a charging-case defect goes viral:
  cases overheat and swell. That complaint storm must fire an alert. From day 12 the replacement
  cases run late and those complaints pile up; Lumora's support accounts answer some within the hour,
  some a day later and some never.
* **Brevio**: coffee machines, a second brand of ours. Calm on every day.
* **Vexon**: Lumora's competitor (earbuds). Normal on every day; a few relieved "glad I bought Vexon"
  posts during the storm, all positive.

Regenerate the shipped file (byte for byte)::

    python -m brandpulse.demo.generate --seed 7 --out brandpulse/demo/data/stream.jsonl.gz \\
        --readme brandpulse/demo/data/README.md

Each line is one JSON object with the fields of `listeners.records.Mention` (no `fetched_at` or
`matched_query`: the replay listener sets those) and a `raw` dict that records what the generator
meant: `demo_intent` (negative, neutral, positive), `demo_topic`, `demo_lang` (the text's real
language, also where `language` is null), `demo_kind` (post, reply, comment, repost, story,
article) and `demo_phase` (normal, precursor, storm, storm_relief, aftermath). The pipeline ignores
`raw` and scores the text with the model; tests and the demo summary can use it without a model.

The texts are templates in `data/texts/*.json` and `data/world.json` (`texts`); the numbers that
decide how many mentions appear, when and where are in `scenario`; `timeline.Generator` walks the
hours. Only the standard library is used, and randomness only through `random.Random.random()`
(`dice`), so the output does not depend on library versions.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from brandpulse.demo.scenario import (
    BRANDS,
    DAYS,
    NEGATIVE_CAP,
    REPLACEMENTS_HOURS,
    REPLACEMENTS_START,
    SEED,
    START,
    STORM_BRAND,
    STORM_DAY,
    STORM_END,
    STORM_HOURS,
    STORM_PEAK,
    STORM_START,
    SUPPORT_ACCOUNTS,
)
from brandpulse.demo.texts import DATA_DIR
from brandpulse.demo.timeline import Generator

SHIPPED = DATA_DIR / "stream.jsonl.gz"


def generate(seed: int = SEED, days: int = DAYS, scale: float = 1.0, start: datetime = START) -> list[dict[str, Any]]:
    """The stream as a list of JSON-ready dicts, sorted by `created_at`."""
    return Generator(seed=seed, days=days, scale=scale, start=start).run()


def dumps(records: Sequence[dict[str, Any]]) -> bytes:
    lines = (json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for record in records)
    return ("\n".join(lines) + "\n").encode("utf-8")


def write(records: Sequence[dict[str, Any]], path: Path) -> None:
    """gzip with a fixed mtime and no file name in the header, so the bytes depend only on the records."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as archive:
        archive.write(dumps(records))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def load(path: Path = SHIPPED) -> list[dict[str, Any]]:
    """The records of a stream file (the shipped one by default)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def summarize(records: Sequence[dict[str, Any]], start: datetime = START) -> dict[str, Any]:
    """Counts the README and the demo show: per brand, source, language, day, and the storm by hour."""
    by_day: dict[str, Counter[int]] = defaultdict(Counter)
    negative_by_day: dict[str, Counter[int]] = defaultdict(Counter)
    storm_hours: Counter[str] = Counter()
    lumora_negative_hours: Counter[str] = Counter()
    for record in records:
        moment = datetime.fromisoformat(record["created_at"])
        day = (moment - start).days + 1
        by_day[record["brand"]][day] += 1
        if record["raw"]["demo_intent"] == "negative":
            negative_by_day[record["brand"]][day] += 1
            if record["brand"] == STORM_BRAND:
                lumora_negative_hours[record["created_at"][:13]] += 1
        if record["raw"]["demo_phase"] == "storm":
            storm_hours[record["created_at"][:13]] += 1
    return {
        "total": len(records),
        "brands": Counter(r["brand"] for r in records),
        "sources": Counter(r["source"] for r in records),
        "languages": Counter(r["raw"]["demo_lang"] for r in records),
        "api_languages": Counter(r["language"] or "null" for r in records),
        "intents": {b.name: Counter(r["raw"]["demo_intent"] for r in records if r["brand"] == b.name)
                    for b in BRANDS},
        "phases": Counter(r["raw"]["demo_phase"] for r in records),
        "kinds": Counter(r["raw"]["demo_kind"] for r in records),
        "by_day": by_day,
        "negative_by_day": negative_by_day,
        "storm_hours": storm_hours,
        "lumora_negative_hours": lumora_negative_hours,
    }


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def readme(records: Sequence[dict[str, Any]], *, seed: int, days: int, scale: float, size: int) -> str:
    s = summarize(records)
    brands = [b.name for b in BRANDS]
    day_rows = []
    for day in range(1, days + 1):
        date = (START + timedelta(days=day - 1)).strftime("%a %Y-%m-%d")
        day_rows.append([day, date, *[f"{s['by_day'][b][day]} ({s['negative_by_day'][b][day]})" for b in brands]])
    window = sorted(h for h in s["storm_hours"])
    storm_rows = [[f"{h[:10]} {h[11:13]}:00", s["storm_hours"][h], s["lumora_negative_hours"][h]] for h in window]
    answers = Counter(r["raw"].get("demo_answer") for r in records)
    replacements = {"complaints": sum(r["raw"]["demo_phase"] == "aftermath" and r["raw"]["demo_topic"] == "delivery"
                                      for r in records), "soon": answers["soon"], "late": answers["late"],
                    "languages": len({r["raw"]["demo_lang"] for r in records if r["raw"]["demo_topic"] == "delivery"
                                      and r["raw"]["demo_phase"] == "aftermath"})}
    brand_rows = [[b.name, b.category, ", ".join(name for name, _, _ in b.products), f"@{b.handle}",
                   " ".join(b.hashtags), f"{b.daily:g}", s["brands"][b.name],
                   " / ".join(str(s["intents"][b.name][i]) for i in ("negative", "neutral", "positive"))]
                  for b in BRANDS]
    command = (f"python -m brandpulse.demo.generate --seed {seed} --out brandpulse/demo/data/stream.jsonl.gz "
               "--readme brandpulse/demo/data/README.md")
    if days != DAYS or scale != 1.0:
        command += f" --days {days} --scale {scale:g}"
    return f"""# The demo's sample stream

`stream.jsonl.gz` is what `brandpulse demo` replays: {s['total']} invented brand mentions over {days} days,
starting {START:%Y-%m-%d} 00:00 UTC (a Monday; the demo shifts it in simulated time). It is written by
`brandpulse/demo/generate.py`, seeded and byte-for-byte reproducible ({size:,} bytes gzipped):

```
{command}
```

Seed {seed}. Standard library only. The texts are templates in `data/texts/` (one file per language)
and `data/world.json` (see `data/texts/README.md`). Everything here is fictional: brands, people,
handles, ids, outlets (news sites live on `.example` domains); URLs follow the real sites' patterns with
made-up ids.

## Brands

{_table(["brand", "category", "products", "account", "hashtags", "base/day", "mentions",
         "intended neg / neu / pos"], brand_rows)}

Every text contains its brand's name (or a handle or hashtag that contains it).

## The storm

Only Lumora. Day {STORM_DAY} ({STORM_START:%a %Y-%m-%d}): the storm begins at {STORM_START:%H:%M} UTC; at
{STORM_START + timedelta(minutes=7):%H:%M} a reviewer's post (486k followers) about a Lumora Halo charging case
that overheated and swelled goes viral. Mentions ramp up for six hours, peak
between {STORM_PEAK:%H:%M} and {STORM_PEAK + timedelta(hours=1):%H:%M} UTC, then decay; the storm is over at
{STORM_END:%Y-%m-%d %H:%M} UTC ({STORM_HOURS} h). It runs in all nine languages: angry, worried, refund and
recall demands, sarcasm, replies and reposts of the viral post, a Reddit megathread, a Hacker News thread,
news articles and Lumora's statements (21:34 UTC on day 10; sales paused and refunds offered 09:05 UTC on
day 11). Before it, four isolated early complaints (days 7 to 10) that nobody picked up; after it, a
decaying tail of "replacement arrived" and "still waiting for my refund" posts. Brevio and Vexon keep their
normal profile throughout; Vexon gets {s['phases']['storm_relief']} relieved, positive "glad I picked Vexon" posts
during the storm.

Storm lines per hour (`raw.demo_phase == "storm"`) and all of Lumora's negative-intent lines in that hour:

{_table(["hour (UTC)", "storm lines", "Lumora negative"], storm_rows)}

## Late replacements

From {REPLACEMENTS_START:%a %Y-%m-%d %H:%M} UTC (day 12) the replacement cases run late: for
{REPLACEMENTS_HOURS} hours, complaints about them pile up on X, Bluesky and Mastodon
({replacements['complaints']} in all, in {replacements['languages']} languages, `demo_topic` `delivery`; drawn after
the rest of the stream, which they leave as it was). Lumora's support accounts
({", ".join(f"{source} `{handle}`" for source, handle in SUPPORT_ACCOUNTS.items())}) reply on the same site
(`parent_id` the complaint, `thread_id` its thread): {replacements['soon']} within the hour,
{replacements['late']} a day or more later (`raw.demo_answer` `soon` or `late`); the other
{replacements['complaints'] - replacements['soon'] - replacements['late']} get no answer before the stream ends.

## Counts

Per source: {", ".join(f"{k} {v}" for k, v in s['sources'].most_common())}.

Per language (the text's language, `raw.demo_lang`): {", ".join(f"{k} {v}" for k, v in s['languages'].most_common())}.
The `language` field is what the source's API reports: X, Bluesky and Mastodon give a code (X
sometimes `und`, Bluesky and Mastodon sometimes nothing), Reddit, Hacker News and RSS give none.

Per kind: {", ".join(f"{k} {v}" for k, v in s['kinds'].most_common())}. Reposts (`RT @...`, X only,
`raw.demo_repost_of` names the original) are the only deliberate exact repeats. Ordinary complaints come
at random (Poisson) but never more than {NEGATIVE_CAP['Brevio']} an hour for Brevio and Vexon,
{NEGATIVE_CAP['Lumora']} for Lumora, so that only the storm looks like a spike.

Per day and brand, all lines (negative-intent lines in brackets):

{_table(["day", "date", *brands], day_rows)}

## Fields

One JSON object per line, keys sorted, lines in `created_at` order: `source`, `external_id` (unique per
source: snowflake-like numbers for X and Mastodon, `t3_`/`t1_` base36 for Reddit, `at://` URIs for
Bluesky, item numbers for Hacker News, the article URL for RSS), `url`, `author_id`, `author_handle`,
`author_reach` (followers; null where the source has none), `text`, `language`, `created_at` (ISO 8601,
UTC), `brand` (the brand the line was generated for: a hint only), `engagement` (`likes`, `reposts`,
`replies`, `quotes`, and `views` on X), `thread_id` and `parent_id` (replies and comments), and `raw`:
`demo_intent` (negative, neutral, positive: what the text was written to say), `demo_topic`,
`demo_lang`, `demo_kind` (post, reply, comment, repost, story, article) and `demo_phase` (normal,
precursor, storm, storm_relief, aftermath). The pipeline ignores `raw` and scores the text with the
model.
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brandpulse.demo.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--days", type=int, default=DAYS, help="days to generate (the storm needs 11)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every rate (0.2 for a quick sample)")
    parser.add_argument("--out", type=Path, default=SHIPPED)
    parser.add_argument("--readme", type=Path, default=None, help="also write the README with the counts here")
    args = parser.parse_args(argv)
    if args.days < 1 or args.scale <= 0:
        parser.error("--days must be at least 1 and --scale positive")
    records = generate(seed=args.seed, days=args.days, scale=args.scale)
    write(records, args.out)
    size = args.out.stat().st_size
    if args.readme is not None:
        args.readme.parent.mkdir(parents=True, exist_ok=True)
        args.readme.write_text(readme(records, seed=args.seed, days=args.days, scale=args.scale, size=size),
                               encoding="utf-8")
    print(f"wrote {len(records)} mentions to {args.out} ({size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
