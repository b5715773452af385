"""`brandpulse.yaml`: brands, sources, schedules, alerting, database and model, validated at start.

Every problem is reported with the file, line and key at fault, before anything runs. Secrets are
written as `${ENV_VAR}` references and resolved from the environment or a secrets file; credentials
live in `SecretStr` fields, which never print, and every resolved value (in any field, such as a
key inside a feed URL) is listed by `secret_values` for redaction.
"""

from __future__ import annotations

import difflib
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, TypeGuard

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from brandpulse import listeners
from brandpulse.alerts.config import AlertsConfig
from brandpulse.alerts.durations import Duration, format_duration, parse_duration
from brandpulse.alerts.sla import CaseRules, SlaConfig
from brandpulse.listeners.base import SourceSettings
from brandpulse.listeners.query import BrandQuery
from brandpulse.sentiment.touchpoints import DEFAULT_TAXONOMY, Embed, TagClassifier, TagExample, Taxonomy
from brandpulse.yamlsource import (
    ConfigError,
    LocatedDocument,
    compose_file,
    load_located,
    read_secrets_file,
    top_level_scalar,
)

DEFAULT_FILE = Path("brandpulse.yaml")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrandConfig(Strict):
    name: str = Field(min_length=1)
    terms: list[str] = []
    aliases: list[str] = []
    handles: list[str] = []
    hashtags: list[str] = []
    exclusions: list[str] = []
    languages: list[str] = []
    query: str | None = None
    include_reposts: bool = False
    include_own_posts: bool = Field(default=False, description="count posts by the brand's own handles as "
                                    "mentions (posts by its accounts never count)")
    competitors: list[str] = []
    sources: list[str] | None = None
    accounts: dict[str, list[str]] = Field(default={}, description="the brand's own accounts per source "
                                           "(x: [LumoraHelp]): their replies are collected and answer cases")
    cases: bool = Field(default=True, description="open cases for its mentions that need an answer (false for "
                        "a brand watched but not answered by this team, such as a competitor)")

    @model_validator(mode="after")
    def _something_to_search(self) -> BrandConfig:
        if not (self.terms or self.aliases or self.handles or self.hashtags or self.query):
            raise ValueError("a brand needs at least one of terms, aliases, handles, hashtags or query")
        return self

    def is_own_post(self, author_handle: str | None, source: str | None = None) -> bool:
        """Written by one of the brand's own accounts: its replies and statements are not customer
        voice. Its `accounts` on `source` always are; its `handles` unless `include_own_posts`."""
        if not author_handle:
            return False
        handle = author_handle.lstrip("@").casefold()
        if source and handle in {a.lstrip("@").casefold() for a in self.accounts.get(source, [])}:
            return True
        return not self.include_own_posts and handle in {h.lstrip("@").casefold() for h in self.handles}

    def to_query(self, source: str | None = None) -> BrandQuery:
        """The brand's query; for `source`, with the brand's accounts there, whose replies the
        listener collects too."""
        return BrandQuery(brand=self.name, terms=tuple(self.terms), aliases=tuple(self.aliases),
                          handles=tuple(self.handles), hashtags=tuple(self.hashtags),
                          exclusions=tuple(self.exclusions), languages=tuple(self.languages),
                          expression=self.query, include_reposts=self.include_reposts,
                          accounts=tuple(self.accounts.get(source, ())) if source else ())


class ScheduleConfig(Strict):
    score: Duration = timedelta(minutes=1)
    evaluate: Duration = timedelta(minutes=5)
    send: Duration = timedelta(seconds=30)
    misfire_grace: Duration = timedelta(minutes=5)
    score_batch_size: int = Field(default=64, ge=1, le=4096)
    respond: Duration = timedelta(minutes=5)
    tag: Duration = timedelta(minutes=1)


class DashboardConfig(Strict):
    """Where `brandpulse serve` listens, and the address links in alerts and reports point to."""

    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=1, le=65535)
    url: str | None = Field(default=None, description="public address, if not http://host:port")
    token: SecretStr | None = Field(default=None, description="required for any bind beyond loopback")

    @property
    def public_url(self) -> str:
        return (self.url or f"http://{self.host}:{self.port}").rstrip("/")


class MetricsConfig(Strict):
    """Prometheus `/metrics` of `run` and `worker` (off unless `listen` is set). A scraper on another
    machine or in another container needs an address beyond loopback, e.g. `0.0.0.0:9464`."""

    listen: str | None = Field(default=None, description="host:port, or a port alone for 127.0.0.1")

    @field_validator("listen")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = str(value).rpartition(":")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise ValueError("listen is host:port (e.g. 0.0.0.0:9464) or a port (e.g. 9464)")
        return f"{host.strip('[]') or '127.0.0.1'}:{port}"

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0] if self.listen else "127.0.0.1"

    @property
    def port(self) -> int | None:
        return int(self.listen.rpartition(":")[2]) if self.listen else None


class RetentionConfig(Strict):
    """How long raw API payloads and mentions are kept; pruned days keep their daily counts."""

    raw_payload_days: int | None = Field(default=None, ge=1)
    mentions_days: int | None = Field(default=None, ge=1)
    interval: Duration = timedelta(hours=6)


REPORTS_FOLDER = "feedback-reports"


class ReportSchedule(Strict):
    """A feedback report made after every day, week or month, and mailed through an email receiver."""

    every: Literal["daily", "weekly", "monthly"] = "weekly"
    brands: list[str] = []
    via: str = Field(description="an email receiver under alerts.receivers: its SMTP settings send the report")
    recipients: list[str] = []
    output: str = REPORTS_FOLDER  # relative paths start at the config file's folder
    pdf: bool = True


class TagExampleConfig(Strict):
    text: str = Field(min_length=1)
    touchpoint: str | None = None
    stage: str | None = None


class TagsConfig(Strict):
    """Touchpoint and journey-stage tags of scored mentions (`sentiment.touchpoints`): a taxonomy
    (default: `DEFAULT_TAXONOMY`), each label described by phrases in any languages, and labelled
    example posts that refine it."""

    enabled: bool = True
    touchpoints: dict[str, list[str]] | None = Field(default=None, description="label: [descriptions]")
    stages: dict[str, list[str]] | None = Field(default=None, description="label: [descriptions]")
    examples: list[TagExampleConfig] = []
    example_weight: float = Field(default=0.6, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _examples_use_known_labels(self) -> TagsConfig:
        taxonomy = self.taxonomy()
        known = {"touchpoint": [label.name for label in taxonomy.touchpoints],
                 "stage": [label.name for label in taxonomy.stages]}
        for example in self.examples:
            for axis, names in known.items():
                value = getattr(example, axis)
                if value is not None and value not in names:
                    raise ValueError(f"example {example.text[:40]!r} has unknown {axis} {value!r} "
                                     f"(known: {', '.join(names)})")
        return self

    def taxonomy(self) -> Taxonomy:
        """The configured labels; an axis left out keeps the default's."""
        return Taxonomy.from_mapping(
            self.touchpoints or {label.name: label.descriptions for label in DEFAULT_TAXONOMY.touchpoints},
            self.stages or {label.name: label.descriptions for label in DEFAULT_TAXONOMY.stages})

    def classifier(self, embed: Embed) -> TagClassifier:
        return TagClassifier(embed, self.taxonomy(), [TagExample(e.text, e.touchpoint, e.stage) for e in self.examples],
                             example_weight=self.example_weight)


class CxConfig(Strict):
    """The customer-experience loop: tags per mention, cases from mentions that need an answer,
    response targets per case severity."""

    tags: TagsConfig = TagsConfig()
    cases: CaseRules = CaseRules()
    sla: SlaConfig = SlaConfig()

    def response_targets(self) -> dict[str, timedelta]:
        """`sla.targets` keyed by plain strings, as the reports take them (any severity name they meet)."""
        return {severity: target for severity, target in self.sla.targets.items()}


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One configured source: its name and the listener's own validated settings."""

    name: str
    settings: SourceSettings   # the listener's own subclass (`listeners.SOURCES[name].settings_model`)

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    @property
    def interval(self) -> timedelta:
        return self.settings.interval


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    database: str = "sqlite:///brandpulse.db"
    model: str = "default"
    dashboard: DashboardConfig = DashboardConfig()
    metrics: MetricsConfig = MetricsConfig()
    retention: RetentionConfig | None = None
    reports: list[ReportSchedule] = []
    secrets_file: str | None = None
    schedule: ScheduleConfig = ScheduleConfig()
    brands: list[BrandConfig] = Field(min_length=1)
    sources: dict[str, SourceConfig] = {}
    alerts: AlertsConfig = AlertsConfig()
    cx: CxConfig = CxConfig()
    file: Path | None = None
    env_secrets: tuple[SecretStr, ...] = Field(default=(), description="what the file's ${VAR} references "
                                               "resolved to, wherever they appear: redacted like credentials")

    def path(self, name: str | Path) -> Path:
        """`name` taken from the config file's folder, as the SQLite database is (absolute paths stay)."""
        path = Path(name).expanduser()
        return path if path.is_absolute() or self.file is None else self.file.parent / path

    def brand(self, name: str) -> BrandConfig:
        return next(brand for brand in self.brands if brand.name == name)

    def brands_for(self, source: str) -> list[BrandConfig]:
        return [b for b in self.brands if b.sources is None or source in b.sources]


def _validate_sources(document: LocatedDocument) -> dict[str, SourceConfig]:
    raw = document.data.get("sources") or {}
    if not isinstance(raw, dict):
        raise document.error(("sources",), "must be a mapping of source name to its settings")
    result = {}
    for name, body in raw.items():
        path = ("sources", name)
        spec = listeners.SOURCES.get(name)
        if spec is None:
            raise document.error(path, f"unknown source {name!r} (known: {', '.join(sorted(listeners.SOURCES))})")
        if body is not None and not isinstance(body, dict):
            raise document.error(path, "must be a mapping of settings (write {} for the defaults)")
        body = dict(body or {})
        written = _read_spans(document, path, body, spec.settings_model)
        body["credential_env"] = {str(key[2]): var for key, var in document.env_names.items()
                                  if key[:2] == path and len(key) == 3}
        try:
            result[name] = SourceConfig(name=name, settings=spec.settings(body))
        except ValidationError as error:
            raise _first_error(document, path, error, spec.settings_model, written) from None
    return result


#: Units older configs wrote a listener's spans in, by key suffix (`timeout_seconds: 30`, `lookback_hours: 24`).
_LEGACY_UNITS = {"_seconds": timedelta(seconds=1), "_minutes": timedelta(minutes=1), "_hours": timedelta(hours=1)}


def _is_span(annotation: Any) -> bool:
    return annotation is timedelta or timedelta in typing.get_args(annotation)


def _read_spans(document: LocatedDocument, path: tuple[str, ...], body: dict[str, Any],
                model: type[BaseModel]) -> dict[str, str]:
    """A listener keeps spans as `timedelta`s; the file writes them as durations (`timeout: 30s`,
    `lookback: 7d`) or, as older configs did, as a number under the unit's key (`timeout_seconds: 30`).
    Converts `body` in place; returns field name -> the key the file wrote, so an error names it."""
    written: dict[str, str] = {}
    for field, info in model.model_fields.items():
        if not _is_span(info.annotation):
            continue
        keys = [key for key in (field, *(field + suffix for suffix in _LEGACY_UNITS)) if key in body]
        if not keys:
            continue
        if len(keys) > 1:
            raise document.error((*path, keys[0]), f"write {keys[0]} or {keys[1]}, not both")
        key = keys[0]
        try:
            body[field] = _span(body.pop(key), _LEGACY_UNITS.get(key.removeprefix(field), timedelta(seconds=1)))
        except ValueError as error:
            raise document.error((*path, key), str(error)) from None
        written[field] = key
    return written


def _span(value: Any, unit: timedelta) -> timedelta | None:
    """A duration ("90s"), or a number of `unit`s; null stays null (a setting that may be off)."""
    if value is None or isinstance(value, str):
        return None if value is None else parse_duration(value)
    return parse_duration(value) * (unit / timedelta(seconds=1))


def _first_error(document: LocatedDocument, prefix: tuple[str | int, ...], error: ValidationError,
                 model: type[BaseModel], written: Mapping[str, str] | None = None) -> ConfigError:
    """The first problem, at the key the file wrote (`written`: a field's name -> that key)."""
    first = error.errors()[0]
    keys = written or {}
    location = tuple(keys.get(part, part) if isinstance(part, str) else part for part in first["loc"]
                     if not (isinstance(part, str) and part.startswith("function-")))
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "required key is missing"
    elif first["type"] == "extra_forbidden":
        message = _unknown_key_message(str(location[-1]), _keys_at(model, location[:-1]))
    elif "input" in first and first["type"] not in ("value_error", "assertion_error"):
        message += f" (got {_describe(first['input'], (*prefix, *location), document)})"
    return document.error((*prefix, *location), message)


#: model fields the loader fills in
_INTERNAL_FIELDS = {"file": None, "env_secrets": None, "credential_env": None}


def _keys_at(model: type[BaseModel], location: tuple[str | int, ...]) -> list[str]:
    """The keys the file may write at `location` (walking fields, list items and mapping values)."""
    annotation: Any = model
    for part in location:
        if isinstance(part, str) and _is_model(annotation) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        else:  # a list index or a mapping key: the model the container holds
            annotation = _model_in(annotation)
    found = _model_in(annotation)
    if found is None:
        return []
    return [field.alias or name for name, field in found.model_fields.items() if name not in _INTERNAL_FIELDS]


def _is_model(annotation: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """`annotation` itself when it is a model, else the first model inside it (list[M], dict[str, M], M | None)."""
    if _is_model(annotation):
        return annotation
    return next((found for arg in typing.get_args(annotation) if (found := _model_in(arg))), None)


def _unknown_key_message(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key (did you mean {close[0]!r}?)"
    return f"unknown key (expected one of: {', '.join(known)})" if known else "unknown key (check its spelling)"


def _describe(value: Any, path: tuple[str | int, ...], document: LocatedDocument) -> str:
    if path in document.env_names:
        return f"the value of ${{{document.env_names[path]}}}"  # a secret: never echo it
    if isinstance(value, timedelta) and value >= timedelta(0):
        return format_duration(value)  # as the file writes it, after parsing
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_references(config: Config, document: LocatedDocument) -> None:
    names = [brand.name for brand in config.brands]
    for index, brand in enumerate(config.brands):
        if names.count(brand.name) > 1:
            raise document.error(("brands", index, "name"), f"brand {brand.name!r} is defined twice")
        for competitor in brand.competitors:
            if competitor not in names:
                raise document.error(("brands", index, "competitors"),
                                     f"competitor {competitor!r} is not a configured brand (add it to brands)")
        for source in brand.sources or []:
            if source not in config.sources:
                raise document.error(("brands", index, "sources"), f"source {source!r} is not configured under sources")
        for source in brand.accounts:
            if source not in listeners.SOURCES:
                raise document.error(("brands", index, "accounts", source),
                                     f"unknown source {source!r} (known: {', '.join(sorted(listeners.SOURCES))})")


def _check_reports(config: Config, document: LocatedDocument) -> None:
    names = {brand.name for brand in config.brands}
    receivers = {receiver.name: receiver for receiver in config.alerts.receivers}
    for index, schedule in enumerate(config.reports):
        receiver = receivers.get(schedule.via)
        if receiver is None or receiver.kind != "email":
            emails = ", ".join(n for n, r in receivers.items() if r.kind == "email") or "none configured"
            raise document.error(("reports", index, "via"),
                                 f"{schedule.via!r} is not an email receiver under alerts.receivers ({emails})")
        unknown = sorted(set(schedule.brands) - names)
        if unknown:
            raise document.error(("reports", index, "brands"), f"not configured brands: {', '.join(unknown)}")


def _resolve_database(url: str, base: Path, document: LocatedDocument) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise document.error(("database",), "not a database URL (e.g. sqlite:///brandpulse.db or "
                                            "postgresql://user@host/brandpulse)") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database).expanduser()
        if not path.is_absolute():
            return str(parsed.set(database=str((base / path).resolve())))
    return url


def _secrets(file: Path, root: Any) -> dict[str, str]:
    """Values for `${VAR}` from $BRANDPULSE_SECRETS_FILE, else the file's `secrets_file:` (the
    environment still wins over both)."""
    if os.environ.get("BRANDPULSE_SECRETS_FILE"):
        path, line, key = Path(os.environ["BRANDPULSE_SECRETS_FILE"]), None, "$BRANDPULSE_SECRETS_FILE"
    elif declared := top_level_scalar(root, "secrets_file"):
        path, line, key = file.parent / declared[0], declared[1], "secrets_file"
    else:
        return {}
    try:
        return read_secrets_file(path)
    except OSError as error:
        raise ConfigError(file, line, key, f"cannot read the secrets file {path} ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(file, line, key, f"the secrets file {path} is not UTF-8 text") from None


def load_config(file: Path | str = DEFAULT_FILE) -> Config:
    """Read and validate a config file; raises `ConfigError` naming file, line and key at fault."""
    file = Path(file)
    root = compose_file(file)
    document = load_located(file, _secrets(file, root), root)
    if not isinstance(document.data, dict):
        raise document.error((), "the file must be a mapping of settings (brands, sources, alerts...)")
    sources = _validate_sources(document)
    body = {key: value for key, value in document.data.items() if key != "sources"}
    try:
        config = Config.model_validate({**body, "sources": sources, "file": file,
                                        "env_secrets": sorted(document.env_values)})
    except ValidationError as error:
        raise _first_error(document, (), error, Config) from None
    _check_references(config, document)
    _check_reports(config, document)
    alerts = config.alerts
    if alerts.dashboard_url is None:  # alert links point at the dashboard unless told otherwise
        alerts = alerts.model_copy(update={"dashboard_url": config.dashboard.public_url})
    database = _resolve_database(config.database, file.parent, document)
    return config.model_copy(update={"database": database, "alerts": alerts})


def secret_values(value: Any) -> list[str]:
    """Every resolved secret in a config tree, so that logs, printed errors and stored failures can
    redact them: credentials (`SecretStr` fields) and every value a `${VAR}` reference brought in,
    e.g. the key in `https://feeds.example/?key=${FEEDKEY}`."""
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, BaseModel):
        return [s for name in type(value).model_fields for s in secret_values(getattr(value, name))]
    if is_dataclass(value):
        return [s for item in fields(value) for s in secret_values(getattr(value, item.name))]
    if isinstance(value, dict):
        return [s for item in value.values() for s in secret_values(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in secret_values(item)]
    return []
