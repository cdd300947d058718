"""The IMAP poller as its own process, for the restart test (run as a script, not collected).

    intake_child.py DATA_DIR HOST PORT USERNAME PASSWORD BATCH_SIZE PROGRESS [SUICIDE_AT]

Polls the INBOX until a pass finds nothing, then exits 0. After each batch
commits (and before its mail is moved) a line goes to PROGRESS, so the parent
can time SIGKILLs inside batches; with SUICIDE_AT the child SIGKILLs itself
right after that many commits, in the window between commit and move.
"""

from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from intake.mailbox import ImapMailbox  # noqa: E402
from intake.pipeline import Pipeline  # noqa: E402
from intake.poller import Poller  # noqa: E402
from rules.policy import default_policy  # noqa: E402
from store import Store  # noqa: E402
from tests import mailfactory as mf  # noqa: E402

NOW = datetime(2026, 3, 3, 12, 0, tzinfo=ZoneInfo("Europe/Madrid"))


class ReportingPipeline(Pipeline):
    def __init__(self, *args, progress: str, suicide_at: int | None):
        super().__init__(*args)
        self.progress, self.suicide_at, self.commits = progress, suicide_at, 0

    def run(self, batch, cursor=None):
        handled = super().run(batch, cursor)
        self.commits += 1
        with open(self.progress, "a") as out:
            out.write(f"{len(batch)}\n")
        if self.commits == self.suicide_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return handled


def main(argv: list[str]) -> int:
    data_dir, host, port, username, password, batch, progress, *suicide = argv
    store = Store.open(data_dir)
    # hundreds of mails from a few contacts at once: load, not a robot
    settings = mf.settings(per_sender_per_hour=1000)
    pipeline = ReportingPipeline(store, default_policy(), settings, lambda: NOW,
                                 25 * 1024 * 1024, progress=progress,
                                 suicide_at=int(suicide[0]) if suicide else None)
    box = ImapMailbox(host, int(port), username=username, password=password, tls="none",
                      timeout=10)
    poller = Poller(box, pipeline, batch_size=int(batch))
    try:
        while poller.poll_once():
            pass
    finally:
        box.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
