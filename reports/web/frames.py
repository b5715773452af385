"""Frames as plain records for the API: numpy numbers as Python ones, missing values as None."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.to_dict("records", into=dict[str, Any]())  # `into`: rows keyed by column name, str
    return [{key: _plain(value) for key, value in row.items()} for row in rows]
