"""The hot document in memory: TinyDB's table layout, O(1) indices, and an undo log.

Documents are never changed in place: every change replaces a whole document
through `put`, which keeps the indices right and logs the old value so that a
rollback (whole unit of work, or a savepoint) can put it back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from store.records import normalise_message_id

Doc = dict[str, Any]
KeyFunc = Callable[[Doc], Iterable[Any]]

TABLES = ("meta", "accounts", "contacts", "tickets", "events", "outbox", "cursors",
          "inbound", "sent_alerts", "sign_ins", "sessions")
FIRST_TICKET = 1000
META_ID = "1"


def _one(field: str, lower: bool = False) -> KeyFunc:
    def keys(doc: Doc) -> Iterable[Any]:
        value = doc.get(field)
        if value is None:
            return ()
        return (value.lower() if lower else value,)
    return keys


def _ticket_mids(doc: Doc) -> Iterable[str]:
    return {normalise_message_id(m) for m in doc["message_ids"]}


def _inbound_mid(doc: Doc) -> Iterable[str]:
    return (normalise_message_id(doc["message_id"]),) if doc.get("message_id") else ()


def _outbox_mid(doc: Doc) -> Iterable[str]:
    return (normalise_message_id(doc["message_id"]),)


def _pending(doc: Doc) -> Iterable[bool]:
    return (True,) if doc["status"] == "pending" else ()


# (table, index name, key function); look up one holder with find, all with find_all
INDICES: list[tuple[str, str, KeyFunc]] = [
    ("accounts", "name", _one("name", lower=True)),
    ("contacts", "email", _one("email", lower=True)),
    ("contacts", "account", _one("account", lower=True)),
    ("tickets", "mid", _ticket_mids),
    ("tickets", "account", _one("account", lower=True)),
    ("events", "ticket", _one("ticket")),
    ("outbox", "id", _one("id")),
    ("outbox", "mid", _outbox_mid),
    ("outbox", "pending", _pending),
    ("cursors", "folder", _one("folder")),
    ("inbound", "sha", _one("sha256")),
    ("inbound", "mid", _inbound_mid),
    ("inbound", "sender", _one("sender", lower=True)),
    ("sent_alerts", "key", _one("key")),
    # the support center's one-time sign-in links and sessions (store/access.py)
    ("sign_ins", "id", _one("id")),
    ("sign_ins", "email", _one("email", lower=True)),
    ("sign_ins", "ip", _one("ip")),
    ("sessions", "id", _one("id")),
]


class Document:
    def __init__(self, tables: dict[str, dict[str, Doc]]) -> None:
        self.tables = tables
        for name in TABLES:
            tables.setdefault(name, {})
        if META_ID not in tables["meta"]:
            tables["meta"][META_ID] = {"format": 1, "next_ticket": FIRST_TICKET,
                                       "archives": {}}
        self.undo: list[tuple[str, str, Doc | None]] = []
        self.index: dict[tuple[str, str], dict[Any, Any]] = {}
        self._by_table: dict[str, list[tuple[str, KeyFunc]]] = {}
        for table, name, func in INDICES:
            self.index[(table, name)] = {}
            self._by_table.setdefault(table, []).append((name, func))
        self.next_id = {name: max(map(int, tables[name]), default=0) + 1 for name in TABLES}
        for table, docs in tables.items():
            for doc_id, doc in docs.items():
                self._index(table, doc_id, None, doc)

    # -- reading

    def get(self, table: str, doc_id: str) -> Doc | None:
        return self.tables[table].get(doc_id)

    def docs(self, table: str) -> Iterable[Doc]:
        return self.tables[table].values()

    def find_id(self, table: str, index: str, key: Any) -> str | None:
        ids = self.index[(table, index)].get(key)
        return next(reversed(ids)) if ids else None

    def find(self, table: str, index: str, key: Any) -> Doc | None:
        doc_id = self.find_id(table, index, key)
        return None if doc_id is None else self.tables[table][doc_id]

    def find_all(self, table: str, index: str, key: Any) -> list[Doc]:
        ids = self.index[(table, index)].get(key, ())
        docs = self.tables[table]
        return [docs[i] for i in ids]

    @property
    def meta(self) -> Doc:
        return self.tables["meta"][META_ID]

    # -- writing

    def new_id(self, table: str) -> str:
        doc_id = self.next_id[table]
        self.next_id[table] = doc_id + 1
        return str(doc_id)

    def put(self, table: str, doc_id: str, doc: Doc | None) -> None:
        """Set (or with None, delete) one document, logging the old value for undo."""
        old = self.tables[table].get(doc_id)
        self.undo.append((table, doc_id, old))
        self._apply(table, doc_id, old, doc)

    def set_meta(self, **changes: Any) -> None:
        self.put("meta", META_ID, {**self.meta, **changes})

    def mark(self) -> int:
        return len(self.undo)

    def rollback_to(self, mark: int) -> None:
        while len(self.undo) > mark:
            table, doc_id, old = self.undo.pop()
            self._apply(table, doc_id, self.tables[table].get(doc_id), old)

    def forget_undo(self) -> None:
        self.undo.clear()

    def _apply(self, table: str, doc_id: str, old: Doc | None, new: Doc | None) -> None:
        self._index(table, doc_id, old, None)
        if new is None:
            self.tables[table].pop(doc_id, None)
        else:
            self.tables[table][doc_id] = new
        self._index(table, doc_id, None, new)

    def _index(self, table: str, doc_id: str, old: Doc | None, new: Doc | None) -> None:
        # Every index maps key -> {doc_id: None} (an ordered set): find answers the
        # most recent holder, and removing one holder never hides another.
        for name, func in self._by_table.get(table, ()):
            index = self.index[(table, name)]
            if old is not None:
                for key in func(old):
                    ids = index.get(key)
                    if ids is not None:
                        ids.pop(doc_id, None)
                        if not ids:
                            del index[key]
            if new is not None:
                for key in func(new):
                    index.setdefault(key, {})[doc_id] = None
