"""Named steps of a run, where the reliability tests stop the process.

``FAHRAS_STOP_AT=step`` (or ``step:SIGINT``, ``step:SIGTERM``) makes the run
signal itself (SIGKILL by default) when it reaches ``step``: a crash or a
Ctrl-C at a known point rather than after a guessed sleep.  A SIGINT goes to
the whole process group when the run leads one, as a terminal's Ctrl-C does.
Unset (always, outside the tests), a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

STOP_ENV = "FAHRAS_STOP_AT"
#: The steps, in the order a run reaches them (``generation-*`` and ``current-*`` in rebuilds only).
STEPS = (
    "tasks-started",      # the first task's outcome was stored (workers are running in a parallel run)
    "segments-written",   # every document is written; nothing is committed
    "toc-staged",         # the new segment table is written under its staged name
    "store-committed",    # the side store committed: the commit point
    "toc-published",      # the segment table is live; unused files not yet removed
    "generation-complete",  # a rebuild's new generation is complete; CURRENT still names the old one
    "current-switched",   # CURRENT names the new generation; the old one is not yet removed
)


def checkpoint(step: str) -> None:
    wanted = os.environ.get(STOP_ENV)
    if not wanted:
        return
    name, _, signal_name = wanted.partition(":")
    if name != step:
        return
    number = getattr(signal, signal_name or "SIGKILL")
    if number == signal.SIGINT and os.getpgid(0) == os.getpid():
        os.killpg(os.getpid(), number)
    else:
        os.kill(os.getpid(), number)
