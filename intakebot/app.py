"""The composition root: builds policy, store, intake, notifier and scheduler from configuration."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from intakebot.config import Config

if TYPE_CHECKING:
    from intake.context import IntakeSettings
    from rules.policy import Policy
    from store import Store

# The parts are imported where they are built: a command such as `tickets` needs the
# store and the policy, not intake, Jinja2 or APScheduler (each costs start-up time).

log = logging.getLogger("intakebot")

# a standby instance asks for the mailbox this often; the reader renews its lease this
# often (a lease lasts 15 s on PostgreSQL, so a dead reader is replaced within ~20 s)
FOLLOW_SECONDS = 5
RENEW_SECONDS = 5

MAILDIR = "sent-mail"


def build_policy(config: Config, closed=None) -> Policy:
    """The policy in force (with `closed` days, else the configuration's); ConfigError
    when the holidays library refuses the country."""
    from rules.policy import Policy

    rules = ()
    if config.severity.rules:
        from rules.severity import SeverityRule

        rules = tuple(SeverityRule(r.severity, r.pattern, r.weight, r.label)
                      for r in config.severity.rules)
    return Policy(
        plans=config.catalogue(),
        tz=config.tz,
        phone=config.support.phone,
        phone_hours=config.support.phone_hours,
        closed=closed if closed is not None else config.closed_days(),
        warn_at=config.escalation.warn_at,
        on_exhausted=config.quota.on_exhausted,
        blocker_always_accepted=config.quota.blocker_always_accepted,
        severity_rules=rules,
        default_severity=config.severity.default,
    )


def intake_settings(config: Config) -> IntakeSettings:
    from intake.context import IntakeSettings

    return IntakeSettings(
        support_addresses=tuple(config.support.addresses),
        support_domain=config.support.domain,
        agents=tuple(config.agents.addresses),
        agent_names=dict(config.agents.names),
        notify=tuple(config.agents.notify_addresses),
        managers=tuple(config.managers.addresses),
        reopen_days=config.intake.reopen_days,
        refusals_per_sender_per_day=config.intake.refusals_per_sender_per_day,
        per_sender_per_hour=config.intake.per_sender_per_hour,
        authserv_id=config.intake.authserv_id,
        cc_policy=config.tickets.cc_policy,
    )


class App:
    """Everything a running bot needs, built once; the jobs take `now` from the clock."""

    def __init__(self, config: Config, data_dir: Path, clock: Callable[[], datetime],
                 store: Store | None = None):
        self.config = config
        self.data_dir = Path(data_dir)
        self.clock = clock
        if store is None:
            from intakebot.stores import open_store

            store = open_store(config, self.data_dir)
        self.store = store

    # -- parts, each built on first use

    @cached_property
    def policy(self) -> Policy:
        from intakebot.holiday_cache import closed_days

        year = self.clock().astimezone(self.config.tz).year
        return build_policy(self.config, closed_days(self.config, self.data_dir, year))

    @cached_property
    def settings(self) -> IntakeSettings:
        return intake_settings(self.config)

    @property
    def staff(self):
        return self.settings.staff

    @property
    def addressing(self):
        return self.settings.addressing

    @cached_property
    def pipeline(self):
        from intake.pipeline import Pipeline

        return Pipeline(self.store, self.policy, self.settings, self.clock,
                        self.config.intake.max_message_bytes)

    @cached_property
    def composer(self):
        from notifier.compose import Composer

        support = self.config.support
        return Composer(support.address, support.name, support.domain,
                        language=support.language)

    @cached_property
    def builder(self):
        from notifier.contexts import ContextBuilder

        builder = ContextBuilder(self.policy, self.addressing, self.config.support.language)
        # customer mail links to the ticket's page for plans with the support center
        builder.center_url = self.config.web.base_url if self.config.web.enabled else None
        return builder

    @property
    def listener_enabled(self) -> bool:
        enabled = self.config.smtp_listener.enabled
        return self.config.imap is None if enabled is None else enabled

    @property
    def maildir(self) -> Path:
        return self.data_dir / MAILDIR

    def mailer(self):
        from notifier.mailer import MaildirMailer, SmtpMailer

        smtp = self.config.smtp
        if smtp is None:
            return MaildirMailer(self.maildir, envelope_from=self.config.support.address)
        return SmtpMailer(smtp.host, smtp.effective_port, smtp.tls, username=smtp.username,
                          password=smtp.secret("smtp"), timeout=smtp.timeout_seconds)

    def mailbox(self):
        from intake.mailbox import ImapMailbox

        imap = self.config.imap
        return ImapMailbox(imap.host, imap.effective_port, username=imap.username or "",
                           password=imap.secret("imap") or "", tls=imap.tls,
                           folder=imap.folder, processed_folder=imap.processed_folder,
                           quarantine_folder=imap.quarantine_folder,
                           timeout=imap.timeout_seconds, use_idle=imap.idle)

    def poller(self):
        from intake.poller import Poller

        return Poller(self.mailbox(), self.pipeline, batch_size=self.config.imap.batch_size,
                      max_bytes=self.config.intake.max_message_bytes)

    def listener(self):
        from intake.listener import Listener

        c = self.config.smtp_listener
        return Listener(self.pipeline, self.config.support.addresses, c.host, c.port,
                        self.config.intake.max_message_bytes)

    # -- jobs

    def deliver(self) -> list:
        from notifier.jobs import deliver_due

        return deliver_due(self.store, self.mailer(), self.composer, self.builder, self.clock())

    def sweep(self) -> list[str]:
        from notifier.jobs import sweep_sla

        return sweep_sla(self.store, self.policy, self.addressing, self.clock())

    def digest_due(self, now: datetime) -> bool:
        """Whether a digest fire time of the crontab lies after the last digest, up to now."""
        with self.store.unit_of_work() as uow:
            # a digest queued "later" by a `--now` test run does not count as sent yet
            last = max((r.created_at for r in uow.outbox.all()
                        if r.kind == "digest" and r.created_at <= now), default=None)
        return self._digest_due_after(now, last)

    def _digest_due_after(self, now: datetime, last: datetime | None) -> bool:
        """Whether the crontab fires after `last` (the previous digest; None: a day ago)
        and up to `now`."""
        if last is None:
            last = now - timedelta(days=1)
        trigger = self.config.managers.trigger(self.policy.tz)
        fire = trigger.get_next_fire_time(None, last + timedelta(seconds=1))
        return fire is not None and fire <= now

    def queue_digest(self, scheduled: bool = False):
        """Queue the manager digest; `scheduled`, only when the crontab says one is due
        (each instance's scheduler fires; the first queues it)."""
        from notifier.jobs import queue_digest

        now = self.clock()
        due = (lambda last: self._digest_due_after(now, last)) if scheduled else None
        return queue_digest(self.store, self.addressing, now, due=due)

    def queue_scheduled_digest(self):
        return self.queue_digest(scheduled=True)

    def close_settled(self) -> list[int]:
        """Close tickets whose reopen window has passed."""
        from notifier.jobs import close_settled

        closed = close_settled(self.store, self.addressing, self.config.intake.reopen_days,
                               self.clock())
        if closed:
            log.info("closed %d ticket(s) resolved over %d days ago", len(closed),
                     self.config.intake.reopen_days)
        return closed

    def compact(self):
        """Close settled tickets, then move long-closed ones out of the hot store."""
        self.close_settled()
        return self.store.compact(self.clock())

    def run_once(self, poll: bool = True) -> dict:
        """Every job once, in the order a day would run them; for cron, tests and --now."""
        report: dict = {"handled": [], "queued": [], "delivered": []}
        if poll and self.config.imap is not None:
            poller = self.poller()
            try:
                report["handled"] = poller.poll_once()
            finally:
                poller.mailbox.close()
        self.close_settled()
        report["queued"] = self.sweep()
        if self.staff.managers and self.queue_digest(scheduled=True) is not None:
            report["queued"].append("digest")
        report["delivered"] = self.deliver()
        return report

    def close(self) -> None:
        self.store.close()


class Runner:
    """The long-running bot: APScheduler jobs, the IMAP poller thread, the SMTP listener."""

    def __init__(self, app: App, deliver_seconds: float = 5):
        from apscheduler.schedulers.background import BackgroundScheduler

        self.app = app
        self.stop_event = threading.Event()
        self.scheduler = BackgroundScheduler(
            timezone=app.policy.tz,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300})
        now = datetime.now(app.policy.tz)
        self.scheduler.add_job(self._guard(app.deliver), "interval", seconds=deliver_seconds,
                               id="deliver", next_run_time=now)
        self.scheduler.add_job(self._guard(app.sweep), "interval", minutes=1, id="sla-sweep",
                               next_run_time=now)
        self.scheduler.add_job(self._guard(app.compact), "interval", hours=6, id="compact",
                               next_run_time=now + timedelta(minutes=1))
        if app.staff.managers:
            self.scheduler.add_job(
                self._guard(app.queue_scheduled_digest),
                app.config.managers.trigger(app.policy.tz),
                id="digest")
        self.poller_thread: threading.Thread | None = None
        self._turn: threading.Event | None = None  # the reading turn in progress
        self.listener = None
        self.web = None  # the support center, when [web] enabled

    @staticmethod
    def _guard(job):
        def run():
            try:
                job()
            except Exception:
                log.exception("job %s failed; it runs again at its next time", job.__name__)
        run.__name__ = job.__name__
        return run

    def kick_delivery(self) -> None:
        """Deliver now rather than at the next interval (new mail was just queued)."""
        try:
            self.scheduler.modify_job("deliver", next_run_time=datetime.now(self.app.policy.tz))
        except Exception:  # the scheduler is shutting down: the next start delivers
            log.debug("could not wake the delivery job", exc_info=True)

    def start(self) -> None:
        app = self.app
        app.pipeline.after_commit = self.kick_delivery
        if app.listener_enabled:
            self.listener = app.listener()
            self.listener.start()
        if app.config.web.enabled:
            from intakebot.webserver import WebServer

            web = WebServer(app, after_commit=self.kick_delivery)
            try:
                web.start()
                self.web = web
            except OSError as exc:  # mail matters more: the bot runs on without it
                log.error("%s; the bot runs without it (see [web] listen)", exc)
        if app.config.imap is not None:
            self.poller_thread = threading.Thread(target=self._read_mailbox,
                                                  name="imap-poller", daemon=True)
            self.poller_thread.start()
        self.scheduler.start()

    def _read_mailbox(self) -> None:
        """Read the mailbox while this instance holds the reader's lease; otherwise stand by
        and ask again every FOLLOW_SECONDS. Instances sharing a PostgreSQL store elect
        one reader this way, and another takes over when the reader dies (its lease
        runs out); on a data folder the one bot always holds it."""
        app, stop = self.app, self.stop_event
        lease = app.store.lease("imap-reader")
        standing_by = False
        try:
            while not stop.is_set():
                if not lease.take():
                    if not standing_by:
                        log.info("another instance reads the mailbox; this one stands by")
                        standing_by = True
                    stop.wait(FOLLOW_SECONDS)
                    continue
                if standing_by:
                    log.info("this instance reads the mailbox now")
                standing_by = False
                self._read_while_leading(lease)
        finally:
            lease.release()

    def _read_while_leading(self, lease) -> None:
        app = self.app
        turn = self._turn = threading.Event()  # set: stop reading (shutdown or lease lost)
        if self.stop_event.is_set():
            turn.set()

        def keep() -> None:
            while not turn.wait(RENEW_SECONDS):
                if not lease.take():
                    log.warning("the mailbox lease could not be renewed: this instance stops "
                                "reading (another may take over)")
                    turn.set()

        keeper = threading.Thread(target=keep, name="imap-lease", daemon=True)
        keeper.start()
        poller = app.poller()
        try:
            poller.run(turn, min(app.config.imap.poll_seconds, 60))
        except Exception:
            log.exception("intake stopped by an error; it starts again in %d s", FOLLOW_SECONDS)
            self.stop_event.wait(FOLLOW_SECONDS)
        finally:
            turn.set()
            poller.mailbox.close()
            keeper.join()

    def stop(self) -> None:
        """Finish the jobs in flight, stop intake, and leave everything committed."""
        self.stop_event.set()
        if self._turn is not None:
            self._turn.set()
        if self.listener is not None:
            self.listener.stop()
        if self.web is not None:
            self.web.stop()
        self.scheduler.shutdown(wait=True)
        if self.poller_thread is not None:
            self.poller_thread.join(timeout=120)

