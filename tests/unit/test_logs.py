"""Log lines carry their zone: UTC, ISO 8601 with Z, whatever the machine's zone."""

import io
import logging
import time

from intakebot.logs import UtcFormatter, handler


def test_a_log_line_is_in_utc_with_z(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        record = logging.LogRecord("intakebot", logging.INFO, __file__, 1, "sent ack", None, None)
        record.created = 1772445600.25  # 2026-03-02 10:00:00.25 UTC (05:00 in New York)
        line = UtcFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s").format(record)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert line == "2026-03-02T10:00:00.250Z INFO intakebot: sent ack"


def test_the_handler_writes_that_format():
    out = io.StringIO()
    log = logging.getLogger("intakebot.test_logs")
    log.addHandler(handler(out))
    log.propagate = False
    try:
        log.warning("deferred")
    finally:
        log.handlers.clear()
    assert out.getvalue().rstrip().endswith("Z WARNING intakebot.test_logs: deferred")
