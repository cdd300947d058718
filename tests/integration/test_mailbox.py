"""ImapMailbox against real IMAP servers (pymap and Dovecot) over loopback sockets."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from intake.mailbox import ImapMailbox, MailboxDisconnected, MailboxError
from intake.reconnect import Backoff, reconnect
from tests.servers import free_port


def mail(subject: str, body: str = "Hello,\nthe export fails.\n", sender="alice@acme.example"):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@vendor.example"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 06 Jan 2020 08:00:00 +0000"
    msg["Message-ID"] = f"<{subject.replace(' ', '.')}@acme.example>"
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


def open_mailbox(server, folder="INBOX", **kwargs) -> ImapMailbox:
    box = ImapMailbox(
        server.host,
        server.port,
        username=server.username,
        password=server.password,
        tls="none",
        folder=folder,
        timeout=10,
        **kwargs,
    )
    return box.connect()


@pytest.fixture
def mailbox(imap_server):
    box = open_mailbox(imap_server)
    yield box
    box.close()


def subjects(fetched) -> list[str]:
    out = []
    for f in fetched:
        line = next(x for x in f.raw.split(b"\r\n") if x.startswith(b"Subject: "))
        out.append(line[len(b"Subject: ") :].decode())
    return out


def test_fetch_returns_only_messages_above_the_cursor_oldest_first(imap_server, mailbox):
    raws = [mail(f"request {i}") for i in range(3)]
    for raw in raws:
        imap_server.append(raw)
    first, *_ = imap_server.uids()

    result = mailbox.fetch_new(first, mailbox.uidvalidity(), limit=10)

    assert subjects(result.messages) == ["request 1", "request 2"]
    assert [m.raw for m in result.messages] == raws[1:]
    assert [m.uid for m in result.messages] == imap_server.uids()[1:]
    assert not result.rescanned


def test_nothing_above_the_cursor_gives_nothing(imap_server, mailbox):
    imap_server.append(mail("old one"))
    imap_server.append(mail("old two"))
    last = imap_server.uids()[-1]

    # "UID last+1:*" matches the highest UID on every server: it must not come back
    assert mailbox.fetch_new(last, mailbox.uidvalidity(), limit=10).messages == []


def test_batch_limit_takes_the_oldest_and_the_next_pass_continues(imap_server, mailbox):
    for i in range(5):
        imap_server.append(mail(f"m{i}"))
    validity = mailbox.uidvalidity()

    first = mailbox.fetch_new(0, validity, limit=2)
    second = mailbox.fetch_new(first.messages[-1].uid, validity, limit=2)
    third = mailbox.fetch_new(second.messages[-1].uid, validity, limit=2)

    assert subjects(first.messages) == ["m0", "m1"]
    assert subjects(second.messages) == ["m2", "m3"]
    assert subjects(third.messages) == ["m4"]


def test_internaldate_is_the_receipt_time_with_its_zone_not_the_date_header(imap_server, mailbox):
    received = datetime(2024, 3, 1, 12, 30, 5, tzinfo=timezone(timedelta(hours=-5)))
    imap_server.append(mail("dated"), internaldate=received)

    (got,) = mailbox.fetch_new(0, None, limit=10).messages

    # the same instant, zone-aware (Dovecot's maildir keeps the instant, not the offset)
    assert got.internaldate.tzinfo is not None
    assert got.internaldate == datetime(2024, 3, 1, 17, 30, 5, tzinfo=UTC)


def test_fetching_does_not_mark_mail_as_read(imap_server, mailbox):
    imap_server.append(mail("unread"))

    assert len(mailbox.fetch_new(0, None, limit=10).messages) == 1

    (flags,) = imap_server.flags().values()
    assert b"\\Seen" not in flags


@pytest.mark.parametrize("use_move", [True, False], ids=["MOVE", "COPY+EXPUNGE"])
def test_move_to_processed_creates_the_folder_and_empties_the_inbox(imap_server, use_move):
    raws = [mail("one"), mail("two")]
    for raw in raws:
        imap_server.append(raw)
    with open_mailbox(imap_server, use_move=use_move) as box:
        fetched = box.fetch_new(0, None, limit=10).messages
        box.move([m.uid for m in fetched], box.processed_folder)

    assert "Processed" in imap_server.folders()
    assert imap_server.uids("INBOX") == []
    assert imap_server.fetch_all("Processed") == raws


@pytest.mark.parametrize("use_move", [True, False], ids=["MOVE", "COPY+EXPUNGE"])
def test_move_touches_only_the_named_messages(imap_server, use_move):
    for name in ("keep 1", "bad", "keep 2"):
        imap_server.append(mail(name))
    with open_mailbox(imap_server, use_move=use_move) as box:
        fetched = box.fetch_new(0, None, limit=10).messages
        box.move([fetched[1].uid], box.quarantine_folder)
        box.move([fetched[0].uid], box.processed_folder)
        box.move([fetched[2].uid], box.processed_folder)  # folder now known: no second CREATE

    assert imap_server.uids("INBOX") == []
    assert imap_server.fetch_all("Quarantine") == [mail("bad")]
    assert imap_server.fetch_all("Processed") == [mail("keep 1"), mail("keep 2")]


def test_move_into_a_folder_someone_else_created(imap_server, mailbox):
    imap_server.create_folder("Processed")
    imap_server.append(mail("late"))

    (m,) = mailbox.fetch_new(0, None, limit=10).messages
    mailbox.move([m.uid], mailbox.processed_folder)

    assert imap_server.fetch_all("Processed") == [mail("late")]


def test_move_recreates_a_folder_deleted_while_the_bot_runs(imap_server, mailbox):
    imap_server.append(mail("first"))
    imap_server.append(mail("second"))
    first, second = mailbox.fetch_new(0, None, limit=10).messages

    mailbox.move([first.uid], mailbox.processed_folder)
    imap_server.delete_folder("Processed")
    mailbox.move([second.uid], mailbox.processed_folder)

    assert imap_server.uids("INBOX") == []
    assert imap_server.fetch_all("Processed") == [mail("second")]


def test_new_uidvalidity_rescans_the_whole_folder(imap_server):
    imap_server.create_folder("Support")
    imap_server.append(mail("before 1"), folder="Support")
    imap_server.append(mail("before 2"), folder="Support")
    with open_mailbox(imap_server, folder="Support") as box:
        seen = box.fetch_new(0, None, limit=10)
        cursor = seen.messages[-1].uid

        # the folder is rebuilt: UIDs start again, below the stored cursor
        imap_server.delete_folder("Support")
        imap_server.create_folder("Support")
        imap_server.append(mail("after"), folder="Support")
        again = box.fetch_new(cursor, seen.uidvalidity, limit=10)

    assert again.rescanned
    assert again.uidvalidity != seen.uidvalidity
    assert again.uidvalidity == imap_server.uidvalidity("Support")
    assert subjects(again.messages) == ["after"]


def test_oversize_mail_comes_back_as_headers_only(imap_server, mailbox):
    big_body = "x" * 76 + "\n"
    imap_server.append(mail("huge", body=big_body * 4000))  # about 300 KB
    imap_server.append(mail("small"))

    got = mailbox.fetch_new(0, None, limit=10, max_bytes=100_000).messages

    assert subjects(got) == ["huge", "small"]
    huge, small = got
    assert huge.oversize and not small.oversize
    assert huge.size > 300_000
    assert huge.raw.endswith(b"\r\n\r\n") and b"xxxxxxxx" not in huge.raw
    assert small.raw == mail("small")


def test_idle_wakes_when_another_connection_delivers(imap_server, mailbox):
    mailbox.fetch_new(0, None, limit=10)
    assert mailbox.has_idle
    timer = threading.Timer(0.3, imap_server.append, [mail("while idle")])
    timer.start()
    try:
        woke = mailbox.wait(30)
    finally:
        timer.join()

    assert woke
    assert subjects(mailbox.fetch_new(0, None, limit=10).messages) == ["while idle"]


def test_idle_renewed_many_times_still_reports_new_mail(imap_server):
    with open_mailbox(imap_server, idle_renew_seconds=0.1) as box:
        box.fetch_new(0, None, limit=10)
        timer = threading.Timer(0.8, imap_server.append, [mail("after renewals")])
        timer.start()
        try:
            woke = box.wait(30)
        finally:
            timer.join()
        assert woke
        assert subjects(box.fetch_new(0, None, limit=10).messages) == ["after renewals"]


def test_wait_sees_mail_that_arrived_before_it_started(imap_server, mailbox):
    mailbox.fetch_new(0, None, limit=10)
    imap_server.append(mail("in between"))

    assert mailbox.wait(30)


def test_wait_returns_false_when_nothing_arrives(imap_server, mailbox):
    imap_server.append(mail("already fetched"))
    mailbox.fetch_new(0, None, limit=10)

    assert mailbox.wait(0.5) is False
    # the connection is still good after leaving IDLE
    assert mailbox.fetch_new(0, None, limit=10).messages != []


def test_wait_ignores_mail_at_or_below_the_cursor(imap_server, mailbox):
    # a restarted poller whose folder still holds mail it has already handled
    imap_server.append(mail("handled, move failed"))
    cursor = imap_server.uids()[-1]
    assert mailbox.fetch_new(cursor, mailbox.uidvalidity(), limit=10).messages == []

    assert mailbox.wait(0.5) is False


def test_an_idle_wait_ends_when_stop_is_set_and_the_session_stays_usable(mailbox):
    # SIGTERM of an idle bot: the poller's wait must not sit out its interval
    mailbox.fetch_new(0, None, limit=10)
    stop = threading.Event()
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    try:
        assert mailbox.wait(600, stop) is False  # pytest-timeout fails it if it sits
    finally:
        timer.cancel()
    assert mailbox.fetch_new(0, None, limit=10).uidvalidity


def test_a_poll_interval_without_idle_ends_when_stop_is_set(imap_server):
    stop = threading.Event()
    stop.set()
    with open_mailbox(imap_server, use_idle=False) as box:
        assert box.wait(600, stop) is True  # the caller looks at stop before polling


def test_reconnecting_gives_up_when_stop_is_set():
    stop = threading.Event()
    box = ImapMailbox("127.0.0.1", free_port(), username="u", password="p", tls="none",
                      timeout=5)
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    try:
        with pytest.raises(MailboxDisconnected):
            reconnect(box, Backoff(base=600, cap=600), stop=stop)
    finally:
        timer.cancel()


def test_without_idle_wait_sleeps_the_poll_interval(imap_server):
    slept = []
    with open_mailbox(imap_server, use_idle=False, sleep=slept.append) as box:
        assert box.wait(60) is True
    assert slept == [60]


def test_server_dropping_the_session_during_idle_is_detected(imap_server, mailbox):
    mailbox.fetch_new(0, None, limit=10)
    timer = threading.Timer(0.3, imap_server.kick)
    timer.start()
    try:
        with pytest.raises(MailboxDisconnected):
            mailbox.wait(60)
    finally:
        timer.join()
    assert not mailbox.connected

    reconnect(mailbox, Backoff(sleep=lambda s: None), attempts=3)
    imap_server.append(mail("after reconnect"))
    assert subjects(mailbox.fetch_new(0, None, limit=10).messages) == ["after reconnect"]


def test_server_dropping_the_session_between_commands_is_detected(imap_server, mailbox):
    imap_server.kick()

    with pytest.raises(MailboxDisconnected):
        mailbox.fetch_new(0, None, limit=10)
    with pytest.raises(MailboxDisconnected):
        mailbox.fetch_new(0, None, limit=10)  # a dead client is never reused

    mailbox.connect()
    imap_server.append(mail("fresh"))
    assert subjects(mailbox.fetch_new(0, None, limit=10).messages) == ["fresh"]


def test_reconnect_keeps_trying_until_the_server_is_back(imap_server):
    box = ImapMailbox(
        imap_server.host,
        imap_server.port,
        username=imap_server.username,
        password=imap_server.password,
        tls="none",
        timeout=10,
    )
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        if len(slept) == 2:
            imap_server.start()

    imap_server.stop()
    try:
        reconnect(box, Backoff(sleep=sleep))
    finally:
        if len(slept) < 2:
            imap_server.start()
    with box:
        assert box.uidvalidity() > 0
    assert slept == [1, 2]


def test_refused_login_is_not_reported_as_a_lost_connection(imap_server):
    box = ImapMailbox(
        imap_server.host,
        imap_server.port,
        username=imap_server.username,
        password="wrong",
        tls="none",
        timeout=10,
    )
    with pytest.raises(MailboxError) as caught:
        box.connect()
    assert not isinstance(caught.value, MailboxDisconnected)


def test_reconnect_gives_up_after_the_allowed_attempts_with_growing_delays():
    nobody = free_port()
    box = ImapMailbox("127.0.0.1", nobody, username="u", password="p", tls="none", timeout=2)
    slept = []

    with pytest.raises(MailboxDisconnected):
        reconnect(box, Backoff(sleep=slept.append), attempts=4)

    assert slept == [1, 2, 4]


def test_backoff_doubles_up_to_five_minutes_and_starts_over_after_success():
    slept = []
    backoff = Backoff(sleep=slept.append)
    for _ in range(11):
        backoff.pause()
    backoff.reset()
    backoff.pause()

    assert slept == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 1]
