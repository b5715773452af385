"""Cached sentence embeddings: one vector per mention and embedding model, and small named vectors
(an encoder's per-language offsets) kept beside the service's other documents.

Vectors are stored as float16 (768 bytes for 384 dimensions): the complaint themes compare
L2-normalised vectors by cosine, where float16's 3 significant digits change nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, select

from brandpulse.storage.dialect import insert_ignoring_conflicts
from brandpulse.storage.schema import mention_embeddings
from brandpulse.storage.state import load_document, save_document

_DTYPE = np.dtype("<f2")
#: Ids per `IN (...)` query: well under SQLite's 32,766 bound parameters.
_CHUNK = 5000


def load_embeddings(connection: Connection, model_id: str, mention_ids: Iterable[int]) -> dict[int, np.ndarray]:
    """The stored float32 vectors of `model_id` for those of `mention_ids` that have one."""
    ids = sorted(set(int(i) for i in mention_ids))
    found: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(mention_embeddings.c.mention_id, mention_embeddings.c.dimensions, mention_embeddings.c.vector
                       ).where(mention_embeddings.c.model_id == model_id,
                               mention_embeddings.c.mention_id.in_(ids[start:start + _CHUNK]))
        for mention_id, dimensions, vector in connection.execute(query):
            values = np.frombuffer(vector, dtype=_DTYPE)
            if len(values) == dimensions:  # a truncated row is recomputed, not trusted
                found[mention_id] = values.astype(np.float32)
    return found


def save_embeddings(connection: Connection, model_id: str, vectors: Mapping[int, np.ndarray]) -> None:
    """Store `model_id`'s vector of each mention; one already stored is kept (same model, same post)."""
    rows = [{"mention_id": int(mention_id), "model_id": model_id, "dimensions": int(np.size(vector)),
             "vector": np.asarray(vector, dtype=_DTYPE).tobytes()} for mention_id, vector in sorted(vectors.items())]
    if rows:
        connection.execute(insert_ignoring_conflicts(connection, mention_embeddings, ["mention_id", "model_id"]), rows)


def _key(name: str, model_id: str) -> str:
    return f"embeddings.{name}.{model_id}"


def load_named_vectors(connection: Connection, name: str, model_id: str) -> dict[str, np.ndarray] | None:
    """Vectors saved under `name` for `model_id` (e.g. per-language offsets), or None."""
    document = load_document(connection, _key(name, model_id))
    if not isinstance(document, dict):
        return None
    return {key: np.asarray(values, dtype=np.float32) for key, values in document.items()}


def save_named_vectors(connection: Connection, name: str, model_id: str, vectors: Mapping[str, np.ndarray],
                       now: datetime) -> None:
    save_document(connection, _key(name, model_id),
                  {key: [round(float(v), 6) for v in vector] for key, vector in vectors.items()}, now)
