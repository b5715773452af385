"""The `prune` job: the config's retention policy applied by `storage.retention`.

The config section it reads::

    retention:
      raw_payload_days: 30     # API payloads of older mentions are dropped (the mentions stay)
      mentions_days: 365       # older mentions are deleted, their daily counts kept
      interval: 6h             # how often `brandpulse run` prunes (default 6h)

Without a `retention` section nothing is pruned and no prune job is scheduled.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from brandpulse.config import Config
from brandpulse.jobs import recorded
from brandpulse.runtime import Runtime
from brandpulse.storage.retention import RetentionPolicy
from brandpulse.storage.retention import prune as prune_storage

DEFAULT_INTERVAL = timedelta(hours=6)


def retention_policy(config: Config) -> RetentionPolicy | None:
    """The config's retention policy, or None when it keeps everything."""
    section = config.retention
    if section is None or (section.raw_payload_days is None and section.mentions_days is None):
        return None
    return RetentionPolicy(raw_payload_days=section.raw_payload_days, mentions_days=section.mentions_days)


def prune_interval(config: Config) -> timedelta:
    return config.retention.interval if config.retention else DEFAULT_INTERVAL


def prune(runtime: Runtime, policy: RetentionPolicy | None = None) -> dict[str, Any]:
    """Apply the retention policy (the config's unless one is given), recorded as a `prune` job run."""
    policy = policy or retention_policy(runtime.config)
    if policy is None:
        return {}
    return recorded(runtime, "prune",
                    lambda: prune_storage(runtime.engine, policy, now=runtime.clock()).as_counts())
