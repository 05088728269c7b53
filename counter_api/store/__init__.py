"""The durable side of the queue: one SQLite file, written through one path."""

from counter_api.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
