"""`intakebot migrate --from DATA_DIR` run again after the instances have started on the
database: the copy brings the folder's later changes over, and never takes back what
the instances did since (a mail they sent, a ticket they resolved, a sign-out, a used
sign-in link, a ticket number they handed out)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from store import Store
from store.access import Session, SignIn
from store.pg.db import PgStore
from store.pg.migrate import copy_folder
from tests.integration.test_store_contract import T0, outcome, row, ticket


def test_a_second_copy_takes_nothing_back_from_the_instances(pg_dsn, tmp_path) -> None:
    folder = Store.open(tmp_path / "folder")
    pg = PgStore(pg_dsn, tmp_path / "instance")
    later = T0 + timedelta(hours=1)
    try:
        with folder.unit_of_work() as uow:
            made = uow.tickets.add(ticket(message_ids=["<a@acme.test>"], updated_at=T0))
            uow.outbox.enqueue(row(1, ticket=made.number))
            uow.inbound.record(outcome(1, ticket=made.number))
            uow.sign_ins.add(SignIn(id="s1", email="ana@acme.test", ip="192.0.2.1",
                                    created_at=T0, expires_at=later, sent=True))
            uow.sessions.add(Session(id="x1", email="ana@acme.test", staff=False, csrf="c",
                                     created_at=T0, expires_at=later))
            uow.commit()
        copy_folder(folder, pg_dsn)

        # the instances start: they deliver the mail, resolve the ticket (linking their
        # notice), sign the customer out, spend the link, and open a ticket of their own
        with pg.unit_of_work() as uow:
            uow.outbox.mark_sent("r1", later)
            t = uow.tickets.get(made.number)
            uow.tickets.update(dataclasses.replace(
                t, status="resolved", resolved_at=later, updated_at=later,
                message_ids=[*t.message_ids, "<resolved@support.test>"]))
            uow.sign_ins.use("s1", later)
            uow.sessions.end("x1", later)
            theirs = uow.tickets.add(ticket(subject="opened by an instance")).number
            uow.commit()
        with pg.unit_of_work() as uow:
            uow.tickets.add(ticket(subject="rolled back"))  # its number is skipped

        copy_folder(folder, pg_dsn)  # "safe to re-run"

        with pg.unit_of_work() as uow:
            assert uow.outbox.due(later + timedelta(days=1)) == []  # not sent twice
            assert uow.outbox.get("r1").status == "sent"
            again = uow.tickets.get(made.number)
            assert (again.status, again.resolved_at) == ("resolved", later)
            assert "<resolved@support.test>" in again.message_ids
            assert uow.sign_ins.get("s1").used_at == later
            assert not uow.sessions.get("x1").live(T0)
            assert uow.tickets.get(theirs).subject == "opened by an instance"
            assert uow.tickets.add(ticket()).number > theirs + 1  # nothing handed out again
    finally:
        pg.close()
        folder.close()


def test_a_second_copy_brings_the_folders_later_changes_over(pg_dsn, tmp_path) -> None:
    folder = Store.open(tmp_path / "folder")
    pg = PgStore(pg_dsn, tmp_path / "instance")
    later = T0 + timedelta(hours=1)
    try:
        with folder.unit_of_work() as uow:
            made = uow.tickets.add(ticket(message_ids=["<a@acme.test>"], updated_at=T0))
            uow.outbox.enqueue(row(1, ticket=made.number))
            uow.commit()
        copy_folder(folder, pg_dsn)
        with folder.unit_of_work() as uow:  # the bot on the folder went on meanwhile
            uow.outbox.mark_sent("r1", later)
            t = uow.tickets.get(made.number)
            uow.tickets.update(dataclasses.replace(
                t, status="pending-customer", updated_at=later,
                message_ids=[*t.message_ids, "<b@acme.test>"]))
            uow.outbox.enqueue(row(2, ticket=made.number))
            uow.commit()
        copy_folder(folder, pg_dsn)
        with pg.unit_of_work() as uow:
            assert uow.outbox.get("r1").status == "sent"
            assert [r.id for r in uow.outbox.due(later)] == ["r2"]
            again = uow.tickets.get(made.number)
            assert again.status == "pending-customer"
            assert uow.tickets.by_message_id("<b@acme.test>").number == made.number
    finally:
        pg.close()
        folder.close()
