"""The writer lock: one writer per index, held by the operating system.

The lock is an exclusive ``flock`` on ``fahras.lock``: the kernel never
gives it to two processes and drops it when its holder dies, however it
dies.  The file also says who holds it (pid, host, start time), for the
message another writer gets, and so that a lock left by a killed writer is
reported when the next one takes it over.
"""

from __future__ import annotations

import datetime as dt
import fcntl
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


def _read_owner(descriptor: int) -> dict:
    try:
        data = os.pread(descriptor, 4096, 0)
        owner = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


class WriterLock:
    """One writer per index: ``flock`` on a file that names its holder.

    A second writer stops at once with who holds the lock, never a wait.  A
    lock file whose holder is gone (a killed writer) is taken over and the
    takeover reported.  A file naming a live process of this host that holds
    no ``flock`` (a writer of an older Fahras, which used the file alone) or a
    process of another host also stops the run, with what to do.
    """

    def __init__(self, index_dir: Path):
        self.path = Path(index_dir) / LOCK_FILENAME
        self.notes: list[str] = []
        self._descriptor: int | None = None

    def _open_locked(self) -> int | None:
        """A descriptor of the lock file with our ``flock`` on it, or None when another process holds it."""
        while True:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(descriptor)
                os.close(descriptor)
                self._refuse(owner)
            try:
                same_file = os.fstat(descriptor).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same_file = False
            if same_file:
                return descriptor
            # The holder released (and removed) the file between our open and our flock: try the new one.
            os.close(descriptor)

    def _refuse(self, owner: dict, legacy: bool = False) -> None:
        pid, host, started = owner.get("pid"), owner.get("host"), owner.get("started", "?")
        where = f"process {pid} on {host}" if owner else "another process"
        advice = "wait for it to finish"
        if legacy:
            advice += f", or if no such process runs, delete {self.path}"
        raise IndexLocked(f"the index in {self.path.parent} is being written by {where} since {started}; {advice}")

    def acquire(self) -> None:
        descriptor = self._open_locked()
        try:
            owner = _read_owner(descriptor)
            pid, host, started = owner.get("pid"), owner.get("host"), owner.get("started", "?")
            # A file this lock wrote is stale once we hold the flock; one of an older Fahras may
            # name a writer that still runs (or one on another host, which we cannot ask).
            legacy = owner and not owner.get("flock")
            if legacy and (host != socket.gethostname() or (isinstance(pid, int) and pid != os.getpid()
                                                            and _process_alive(pid))):
                self._refuse(owner, legacy=True)
            if owner:
                self.notes.append(
                    f"took over a stale lock left by process {pid} (started {started}), "
                    f"which no longer runs; its unfinished work was discarded"
                )
            mine = {"pid": os.getpid(), "host": socket.gethostname(), "started": dt.datetime.now().isoformat(),
                    "flock": True}
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, json.dumps(mine).encode("utf-8"), 0)
        except BaseException:
            os.close(descriptor)
            raise
        self._descriptor = descriptor

    def release(self) -> None:
        if self._descriptor is None:
            return
        # Remove the file while still holding the lock: a writer that opened it
        # meanwhile sees that it was replaced (``_open_locked``) and starts over.
        self.path.unlink(missing_ok=True)
        os.close(self._descriptor)
        self._descriptor = None

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
