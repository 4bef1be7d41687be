"""The writer lock: one writer per index."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path

from indexer.errors import IndexLocked

LOCK_FILENAME = "fahras.lock"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class WriterLock:
    """One writer per index: a lock file with pid, host and start time.

    A lock whose process is gone (same host) is stale: it is taken over and
    the takeover is reported.  A live one, or one from another host, stops the
    run at once with what to do, never a wait.
    """

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / LOCK_FILENAME
        self.notes: list[str] = []

    def _owner(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def acquire(self) -> None:
        mine = {"pid": os.getpid(), "host": socket.gethostname(), "started": dt.datetime.now().isoformat()}
        for _attempt in range(2):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = self._owner()
                pid, host, started = owner.get("pid"), owner.get("host"), owner.get("started", "?")
                if host == mine["host"] and isinstance(pid, int) and not _process_alive(pid):
                    self.notes.append(
                        f"took over a stale lock left by process {pid} (started {started}), "
                        f"which no longer runs; its unfinished work was discarded"
                    )
                    self.path.unlink(missing_ok=True)
                    continue
                where = f"process {pid} on {host}" if owner else "an unknown process"
                raise IndexLocked(
                    f"the index in {self.path.parent} is being written by {where} since {started}; "
                    f"wait for it to finish, or if no such process runs, delete {self.path}"
                ) from None
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(mine, handle)
            return
        raise IndexLocked(f"could not take the lock {self.path}; delete it if no indexing runs")

    def release(self) -> None:
        if self._owner().get("pid") == os.getpid():
            self.path.unlink(missing_ok=True)

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
