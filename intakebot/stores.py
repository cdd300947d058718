"""Opening the configured store: the data folder's TinyDB document, or PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from intakebot.config import Config


def open_store(config: Config, data_dir: Path):
    """The store `[store]` names; StoreCorrupt (a subclass for a schema to migrate) when
    it cannot be used, ConfigError when its DSN variable is unset."""
    if config.store.backend == "postgresql":
        from store.pg.db import PgStore

        return PgStore(config.store.connection_string(), Path(data_dir),
                       pool_size=config.store.pool_size)
    from store import Store

    return Store.open(data_dir, archive_after=timedelta(days=config.support.archive_after_days))
