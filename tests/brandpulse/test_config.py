"""A bad config file fails at start, naming the file, the line and the key at fault."""

from __future__ import annotations

import logging
import sys
import textwrap
from datetime import timedelta

import pytest

from brandpulse.config import load_config, secret_values
from brandpulse.logs import PlainFormatter, RedactSecrets
from brandpulse.yamlsource import ConfigError, read_secrets_file

GOOD = """\
database: sqlite:///data/brandpulse.db
brands:
  - name: Lumora
    terms: [Lumora, "Lumora Halo"]
    handles: ["@lumora"]
    competitors: [Vexon]
    sources: [x, hackernews]
  - name: Vexon
    terms: [Vexon]
sources:
  x:
    bearer_token: ${X_BEARER_TOKEN}
    interval: 10m
  hackernews: {}
schedule:
  score: 2m
"""


def write(tmp_path, text: str):
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(tmp_path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value


def test_a_good_file_loads_with_its_secrets_resolved_and_paths_made_absolute(tmp_path, monkeypatch):
    monkeypatch.setenv("X_BEARER_TOKEN", "s3cret-token")
    config = load_config(write(tmp_path, GOOD))
    assert [brand.name for brand in config.brands] == ["Lumora", "Vexon"]
    assert config.sources["x"].interval == timedelta(minutes=10)
    assert config.sources["x"].settings.env_var("bearer_token") == "X_BEARER_TOKEN"
    assert config.schedule.score == timedelta(minutes=2)
    assert config.database == f"sqlite:///{tmp_path / 'data' / 'brandpulse.db'}"
    assert "s3cret-token" in secret_values(config)
    assert "s3cret-token" not in repr(config)
    assert [b.name for b in config.brands_for("hackernews")] == ["Lumora", "Vexon"]
    assert [b.name for b in config.brands_for("x")] == ["Lumora", "Vexon"]


def test_a_missing_required_key_names_its_line_and_key(tmp_path):
    error = error_of(tmp_path, """\
        brands:
          - terms: [Lumora]
        """)
    assert error.line == 2
    assert error.key == "brands[0].name"
    assert "required key is missing" in str(error)
    assert str(error).startswith(f"{tmp_path / 'brandpulse.yaml'}:2: brands[0].name")


def test_a_wrong_type_names_the_value_and_its_line(tmp_path):
    error = error_of(tmp_path, """\
        brands:
          - name: Lumora
            terms: [Lumora]
        schedule:
          score: soon
        """)
    assert (error.line, error.key) == (5, "schedule.score")
    assert "not a duration: 'soon'" in str(error)


def test_an_unknown_source_lists_the_known_ones(tmp_path):
    error = error_of(tmp_path, """\
        brands:
          - name: Lumora
            terms: [Lumora]
        sources:
          twiter: {}
        """)
    assert (error.line, error.key) == (5, "sources.twiter")
    assert "unknown source 'twiter'" in str(error) and "x" in str(error)


def test_a_missing_environment_variable_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    error = error_of(tmp_path, GOOD)
    assert (error.line, error.key) == (12, "sources.x.bearer_token")
    assert "environment variable X_BEARER_TOKEN is not set" in str(error)


def test_a_secrets_file_provides_what_the_environment_lacks(tmp_path, monkeypatch):
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    (tmp_path / "secrets.env").write_text("# local secrets\nX_BEARER_TOKEN=from-file\n", encoding="utf-8")
    config = load_config(write(tmp_path, "secrets_file: secrets.env\n" + GOOD))
    assert config.sources["x"].settings.bearer_token.get_secret_value() == "from-file"


def test_the_secrets_file_reads_like_any_dotenv_file(tmp_path, monkeypatch):
    """Trailing comments are not part of a value, quotes are removed (a `#` inside them is kept),
    `export` is allowed and a `$` is taken literally."""
    for name in ("X_BEARER_TOKEN", "A", "B", "C", "D"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "secrets.env").write_text(textwrap.dedent("""\
        # local secrets
        export X_BEARER_TOKEN=from-file  # rotated monthly
        A="quoted # kept" # the comment is not
        B='single $HOME'
        C = spaced
        D=
        """), encoding="utf-8")
    assert read_secrets_file(tmp_path / "secrets.env") == {
        "X_BEARER_TOKEN": "from-file", "A": "quoted # kept", "B": "single $HOME", "C": "spaced", "D": ""}
    config = load_config(write(tmp_path, "secrets_file: secrets.env\n" + GOOD))
    assert config.sources["x"].settings.bearer_token.get_secret_value() == "from-file"


@pytest.mark.parametrize("bad", ["just words here", "NO_VALUE", 'Q="never closed'])
def test_an_unreadable_secrets_line_fails_with_its_number_and_not_its_text(tmp_path, bad):
    (tmp_path / "secrets.env").write_text(f"A=1\n{bad}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_secrets_file(tmp_path / "secrets.env")
    assert (caught.value.line, str(caught.value).count(bad)) == (2, 0)
    assert "expected KEY=VALUE" in str(caught.value)


def test_a_misspelt_key_is_refused_rather_than_ignored(tmp_path):
    error = error_of(tmp_path, """\
        brands:
          - name: Lumora
            terms: [Lumora]
            competitor: [Vexon]
        """)
    assert (error.line, error.key) == (4, "brands[0].competitor")
    assert "unknown key (did you mean 'competitors'?)" in str(error)


ONE_BRAND = "brands:\n  - name: Lumora\n    terms: [Lumora]\n"


def test_a_sources_spans_are_durations_and_the_old_numbers_of_a_unit_still_work(tmp_path):
    config = load_config(write(tmp_path, ONE_BRAND + "sources:\n  hackernews: {interval: 10m, timeout: 1m30s, "
                                                     "lookback_hours: 48, max_wait_seconds: 90, "
                                                     "backoff_max_seconds: 2m}\n"))
    source = config.sources["hackernews"]
    assert source.interval == timedelta(minutes=10)
    settings = source.settings   # the listener keeps timedeltas, whichever way the file wrote them
    assert (settings.timeout, settings.lookback) == (timedelta(seconds=90), timedelta(days=2))
    assert (settings.max_wait, settings.backoff_max) == (timedelta(seconds=90), timedelta(minutes=2))


@pytest.mark.parametrize("text, key, problem", [
    ("timeout: 2 min", "timeout", "not a duration: '2 min'"),
    ("interval: 0s", "interval", "Input should be greater than 0 seconds (got 0s)"),
    ("lookback_hours: -2", "lookback_hours", "negative duration"),     # the key the file wrote
    ("timeout: 1m\n    timeout_seconds: 60", "timeout", "write timeout or timeout_seconds, not both"),
])
def test_a_bad_span_of_a_source_names_the_key_written(tmp_path, text, key, problem):
    error = error_of(tmp_path, ONE_BRAND + f"sources:\n  hackernews:\n    {text}\n")
    assert error.key == f"sources.hackernews.{key}"
    assert problem in str(error)


def test_x_backfills_whole_minutes_only(tmp_path):
    stream = "sources:\n  x:\n    mode: stream\n    stream_backfill: {}\n"
    assert load_config(write(tmp_path, ONE_BRAND + stream.format("2m"))).sources["x"].settings.stream_backfill \
        == timedelta(minutes=2)
    error = error_of(tmp_path, ONE_BRAND + stream.format("90s"))
    assert error.key == "sources.x.stream_backfill" and "whole minutes" in str(error)


@pytest.mark.parametrize("text, key, hint", [
    ("schedules: {}\n", "schedules", "did you mean 'schedule'?"),
    ("sources:\n  hackernews:\n    intervall: 5m\n", "sources.hackernews.intervall", "did you mean 'interval'?"),
    ("alerts:\n  receivers:\n    - name: team\n      slak: {}\n", "alerts.receivers[0].slak", "did you mean 'slack'?"),
    ("colour: blue\n", "colour", "expected one of: database, model, dashboard,"),
])
def test_an_unknown_key_comes_with_the_keys_allowed_there(tmp_path, text, key, hint):
    error = error_of(tmp_path, "brands:\n  - name: Lumora\n    terms: [Lumora]\n" + text)
    assert error.key == key
    assert f"unknown key ({hint}" in str(error)
    assert "file" not in str(error).split("expected one of")[-1].split(", ")  # the loader's own fields stay hidden


def test_a_competitor_must_be_a_configured_brand(tmp_path):
    error = error_of(tmp_path, """\
        brands:
          - name: Lumora
            terms: [Lumora]
            competitors: [Vexon]
        """)
    assert (error.line, error.key) == (4, "brands[0].competitors")


def test_invalid_yaml_points_at_the_line(tmp_path):
    error = error_of(tmp_path, "brands:\n  - name: [unclosed\n")
    assert error.line is not None and "not valid YAML" in str(error)


def test_a_secret_never_appears_in_a_type_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PAGE_LIMIT", "lots-of-secret-pages")
    error = error_of(tmp_path, """\
        brands:
          - name: Lumora
            terms: [Lumora]
        sources:
          hackernews:
            max_pages: ${PAGE_LIMIT}
        """)
    assert "lots-of-secret-pages" not in str(error)
    assert "PAGE_LIMIT" in str(error)


def test_logging_redacts_resolved_secrets():
    try:
        raise ValueError("bad response from /search?token=s3cret-token")
    except ValueError:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET /search?token=%s", ("s3cret-token",),
                                   sys.exc_info())
    line = RedactSecrets(PlainFormatter(), ["s3cret-token"]).format(record)
    assert "GET /search?token=***" in line and "ValueError: bad response from /search?token=***" in line
    assert "s3cret-token" not in line
