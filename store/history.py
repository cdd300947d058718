"""Closed history out of the hot file: per-year archive files and the compaction that fills them.

`tickets-YYYY.json` holds tickets opened in year YYYY (UTC) that were closed
longer than `archive_after`, with their events; `outbox-YYYY.json` holds old
delivered or failed outbox rows. Both are TinyDB documents written atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from store.document import Document
from store.records import normalise_message_id
from store.storage import atomic_write, file_signature, load_json

Doc = dict[str, Any]

# Message-ID and content-hash dedupe must outlive any redelivery or rescan.
DEDUPE_KEEP = timedelta(days=90)
# SLA alert keys are kept long enough that a long-open ticket is never re-alerted.
ALERTS_KEEP = timedelta(days=400)


def _year(iso: str) -> int:
    return datetime.fromisoformat(iso).astimezone(UTC).year


@dataclass
class _YearFile:
    tickets: dict[int, Doc] = field(default_factory=dict)
    events: dict[int, list[Doc]] = field(default_factory=dict)
    mids: dict[str, int] = field(default_factory=dict)
    # account (lower case) -> [(created_at, number)], for quota counts
    opened: dict[str, list[tuple[datetime, int]]] = field(default_factory=dict)

    @classmethod
    def from_tables(cls, tables: dict[str, dict[str, Doc]]) -> _YearFile:
        f = cls()
        for doc in tables.get("tickets", {}).values():
            f.tickets[doc["number"]] = doc
            for mid in doc["message_ids"]:
                f.mids[normalise_message_id(mid)] = doc["number"]
            f.opened.setdefault(doc["account"].lower(), []).append(
                (datetime.fromisoformat(doc["created_at"]), doc["number"]))
        for doc in tables.get("events", {}).values():
            f.events[doc["ticket"]] = doc["events"]
        return f

    def tables(self) -> dict[str, dict[str, Doc]]:
        return {
            "tickets": {str(n): d for n, d in sorted(self.tickets.items())},
            "events": {str(n): {"ticket": n, "events": e} for n, e in sorted(self.events.items())},
        }


class History:
    """Reads and writes the per-year archives; reads are cached until the file changes."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._cache: dict[int, tuple[Any, _YearFile]] = {}

    def _path(self, kind: str, year: int) -> Path:
        return self.data_dir / f"{kind}-{year}.json"

    def _bak(self, path: Path) -> Path:
        return path.with_name(path.name + ".bak")

    def _load(self, year: int) -> _YearFile:
        path = self._path("tickets", year)
        sig = file_signature(path)
        cached = self._cache.get(year)
        if cached is not None and cached[0] == sig:
            return cached[1]
        f = _YearFile.from_tables(load_json(path, self._bak(path)) or {})
        self._cache[year] = (sig, f)
        return f

    @staticmethod
    def years(ranges: dict[str, list[int]], number: int | None = None) -> list[int]:
        return sorted(int(y) for y, (lo, hi) in ranges.items()
                      if number is None or lo <= number <= hi)

    def ticket(self, ranges: dict[str, list[int]], number: int) -> Doc | None:
        for year in self.years(ranges, number):
            doc = self._load(year).tickets.get(number)
            if doc is not None:
                return doc
        return None

    def events(self, ranges: dict[str, list[int]], number: int) -> list[Doc]:
        for year in self.years(ranges, number):
            f = self._load(year)
            if number in f.tickets:
                return f.events.get(number, [])
        return []

    def by_message_id(self, ranges: dict[str, list[int]], mid: str) -> Doc | None:
        for year in reversed(self.years(ranges)):
            f = self._load(year)
            number = f.mids.get(mid)
            if number is not None:
                return f.tickets[number]
        return None

    def tickets(self, ranges: dict[str, list[int]]) -> list[Doc]:
        return [d for y in self.years(ranges) for d in self._load(y).tickets.values()]

    def count_opened(self, ranges: dict[str, list[int]], account: str, since: datetime,
                     until: datetime, skip: set[int]) -> int:
        first, last = since.astimezone(UTC).year, until.astimezone(UTC).year
        n = 0
        for year in self.years(ranges):
            if first <= year <= last:
                n += sum(1 for at, number in self._load(year).opened.get(account, ())
                         if since <= at < until and number not in skip)
        return n

    def add_tickets(self, year: int, tickets: list[Doc], events: dict[int, list[Doc]]) -> None:
        """Merge tickets (and all their events) into a year file; newer copies win."""
        f = _YearFile.from_tables(load_json(self._path("tickets", year),
                                            self._bak(self._path("tickets", year))) or {})
        for doc in tickets:
            f.tickets[doc["number"]] = doc
        for number, evs in events.items():
            by_seq = {e["seq"]: e for e in f.events.get(number, [])}
            by_seq.update((e["seq"], e) for e in evs)
            f.events[number] = [by_seq[s] for s in sorted(by_seq)]
        path = self._path("tickets", year)
        atomic_write(path, orjson.dumps(f.tables()), self._bak(path))
        self._cache.pop(year, None)

    def outbox_rows(self) -> list[Doc]:
        """Every archived outbox row, oldest year first."""
        rows: list[Doc] = []
        for path in sorted(self.data_dir.glob("outbox-[0-9][0-9][0-9][0-9].json")):
            rows += (load_json(path, self._bak(path)) or {}).get("outbox", {}).values()
        return rows

    def add_outbox(self, year: int, rows: list[Doc]) -> None:
        path = self._path("outbox", year)
        table = (load_json(path, self._bak(path)) or {}).get("outbox", {})
        seen = {d["id"] for d in table.values()}
        next_id = max(map(int, table), default=0) + 1
        for row in rows:
            if row["id"] not in seen:
                table[str(next_id)] = row
                next_id += 1
        atomic_write(path, orjson.dumps({"outbox": table}), self._bak(path))


@dataclass
class Compaction:
    tickets: int = 0
    events: int = 0
    outbox: int = 0
    inbound: int = 0
    alerts: int = 0


def compact(doc: Document, history: History, now: datetime,
            archive_after: timedelta) -> Compaction:
    """Move old closed history out of `doc`; the caller commits `doc` afterwards.

    Archive files are written first: a crash before the hot commit leaves a
    ticket in both places, and the hot copy wins until the next compaction.
    """
    done = Compaction()
    cutoff = now - archive_after
    ranges = {k: list(v) for k, v in doc.meta["archives"].items()}
    tickets: dict[int, list[Doc]] = {}
    event_ids: dict[int, dict[int, list[str]]] = {}  # year -> ticket -> hot event ids
    for t in doc.docs("tickets"):
        if t["status"] == "closed" and t["closed_at"] is not None \
                and datetime.fromisoformat(t["closed_at"]) <= cutoff:
            year = _year(t["created_at"])
            tickets.setdefault(year, []).append(t)
            event_ids.setdefault(year, {})[t["number"]] = []
    # events appended to an already archived (not hot) ticket follow it out too
    for number in list(doc.index[("events", "ticket")]):
        if doc.get("tickets", str(number)) is None:
            archived = history.ticket(ranges, number)
            if archived is not None:
                event_ids.setdefault(_year(archived["created_at"]), {})[number] = []
    for per_ticket in event_ids.values():
        for number in per_ticket:
            per_ticket[number] = list(doc.index[("events", "ticket")].get(number, {}))
    for year in sorted(event_ids):
        moving = tickets.get(year, [])
        events = {n: [doc.tables["events"][i] for i in ids]
                  for n, ids in event_ids[year].items()}
        history.add_tickets(year, moving, events)
        numbers = [t["number"] for t in moving] + ranges.get(str(year), [])
        ranges[str(year)] = [min(numbers), max(numbers)]
        for t in moving:
            doc.put("tickets", str(t["number"]), None)
            done.tickets += 1
        for ids in event_ids[year].values():
            for doc_id in ids:
                doc.put("events", doc_id, None)
                done.events += 1
    doc.set_meta(archives=ranges)
    done.outbox = _move_outbox(doc, history, cutoff)
    done.inbound = _prune(doc, "inbound", "recorded_at", now - max(archive_after, DEDUPE_KEEP))
    done.alerts = _prune(doc, "sent_alerts", "at", now - ALERTS_KEEP)
    return done


def _move_outbox(doc: Document, history: History, cutoff: datetime) -> int:
    old: dict[int, list[tuple[str, Doc]]] = {}
    for doc_id, row in doc.tables["outbox"].items():
        finished = row["sent_at"] or row["last_attempt_at"] or row["created_at"]
        if row["status"] != "pending" and datetime.fromisoformat(finished) <= cutoff:
            old.setdefault(_year(row["created_at"]), []).append((doc_id, row))
    for year, rows in sorted(old.items()):
        history.add_outbox(year, [r for _, r in rows])
        for doc_id, _ in rows:
            doc.put("outbox", doc_id, None)
    return sum(map(len, old.values()))


def _prune(doc: Document, table: str, field_name: str, cutoff: datetime) -> int:
    old = [i for i, d in doc.tables[table].items()
           if datetime.fromisoformat(d[field_name]) < cutoff]
    for doc_id in old:
        doc.put(table, doc_id, None)
    return len(old)
