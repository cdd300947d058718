"""The public holidays of the years around now, kept in the data folder between commands.

To give one country's days the holidays library imports every country it knows
(about 60 ms, more than the rest of `intakebot tickets`). The days of last, this
and next year are kept in `holidays.json`, keyed by country, subdivision and the
library's installed files; the library is asked again only when one of those changes, or
for a year outside them. Deleting the file is harmless.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

from intakebot.config import Config
from rules.calendar import ClosedDays

FILE = "holidays.json"

log = logging.getLogger("intakebot")


def library_signature() -> str | None:
    """Which installed copy of the holidays library answers, without importing it (its
    version comes from importlib.metadata, itself ~13 ms): its folder and the times its
    files were written, which an upgrade changes."""
    from importlib.util import find_spec

    try:
        package = Path(find_spec("holidays").origin).parent
        stamps = [(package / name).stat().st_mtime_ns
                  for name in ("__init__.py", "registry.py", "countries/__init__.py")]
    except (AttributeError, TypeError, ValueError, OSError):
        return None
    return f"{package}:" + ",".join(map(str, stamps))


def closed_days(config: Config, folder: Path, year: int) -> ClosedDays:
    """The support team's closed days, from the kept file when it answers for the years
    year-1 to year+1; else from the library (checking the configuration), kept anew."""
    h = config.holidays
    if h.country is None:
        return config.closed_days()
    version = library_signature()
    key = {"country": h.country, "subdivision": h.subdivision, "library": version}
    years = range(year - 1, year + 2)
    path = Path(folder) / FILE
    kept = _read(path, key) if version is not None else None
    if kept is not None and all(y in kept for y in years):
        return ClosedDays(h.country, h.subdivision, h.extra, public=kept)
    closed = config.closed_days()  # ConfigError when the library refuses the country
    if version is not None:
        _write(path, key, {y: closed.public_holidays(y) for y in years})
    return closed


def _read(path: Path, key: dict) -> dict[int, dict[date, str]] | None:
    try:
        doc = json.loads(path.read_bytes())
        if doc.get("key") != key:
            return None
        return {int(y): {date.fromisoformat(d): name for d, name in days.items()}
                for y, days in doc["years"].items()}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.debug("ignoring %s: %s", path, exc)
        return None


def _write(path: Path, key: dict, years: dict[int, dict[date, str]]) -> None:
    from store.storage import atomic_write

    doc = {"key": key, "years": {str(y): {d.isoformat(): name for d, name in days.items()}
                                 for y, days in years.items()}}
    try:
        if path.parent.is_dir():
            atomic_write(path, json.dumps(doc, ensure_ascii=False, indent=1).encode())
    except OSError as exc:  # a read-only data folder: the library answers every time
        log.debug("could not keep %s: %s", path, exc)
