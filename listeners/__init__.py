"""Collectors that turn social APIs' pages into `Mention` records, one module per source.

A listener is a small function of (query, cursor): it yields `Batch`es, each holding the mentions of
one page and the cursor that is valid once those mentions are stored. The caller owns persistence
(DESIGN.md, after dlt's incremental sources); this package imports nothing else of ours.
"""

from listeners.query import BrandQuery
from listeners.records import Batch, Cursor, Engagement, Mention

__all__ = ["Batch", "BrandQuery", "Cursor", "Engagement", "Mention"]
