"""Worker processes: each reads tasks from a queue, writes its own Whoosh segments, sends back outcomes.

The main process stores the outcomes' rows and finally adds the workers'
segments to the table of contents.  Workers never outlive the run: they
ignore Ctrl-C (the main process stops them), ask the kernel to kill them
when their parent dies (Linux ``PR_SET_PDEATHSIG``) and, everywhere, check
between tasks that their parent still runs.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable

from whoosh import index as whoosh_index

from indexer.build.options import BuildOptions
from indexer.build.tasks import InputFile, KnownHashes, Outcome, iter_tasks, process_task
from indexer.errors import FahrasError
from indexer.storage.segments import FastSegmentWriter

WORKER_POLL_SECONDS = 1.0
#: Tasks queued ahead per worker (bounds the memory of lines read but not yet processed).
TASK_QUEUE_PER_WORKER = 4
#: How long a stopped worker gets to exit before it is killed.
WORKER_EXIT_SECONDS = 2.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass  # the getppid() checks still apply
    if os.getppid() != parent_pid:
        os._exit(1)


def _error_payload(error: BaseException) -> tuple:
    return type(error).__name__, getattr(error, "errno", None), getattr(error, "strerror", None), str(error)


def _next_task(tasks, parent_pid: int):
    while True:
        try:
            return tasks.get(timeout=WORKER_POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent_pid:
                os._exit(1)


def _worker(generation: str, tasks, results, known, options: BuildOptions, writer_kwargs, parent_pid: int) -> None:
    """Worker process: process ``tasks`` into segments, send the outcomes to ``results``."""
    _die_with_parent(parent_pid)
    try:
        ix = whoosh_index.open_dir(generation)
        writer = FastSegmentWriter(ix, _lk=False, **writer_kwargs)
        hashes = KnownHashes(known)
        while (task := _next_task(tasks, parent_pid)) is not None:
            by_id, by_hash = hashes(task.item.key)
            results.put(("task", process_task(task, by_id, by_hash, options, writer.add_document)))
        results.put(("done", writer.all_new_segments()))
    except BaseException as error:  # noqa: BLE001 - reported to the parent, which stops the run
        results.put(("error", _error_payload(error)))
        raise


def _worker_failure(payload: tuple) -> BaseException:
    name, number, strerror, message = payload
    if number is not None and strerror:
        # Disk full, read-only file system...: the run reports it as for its own writes.
        return OSError(number, strerror)
    return FahrasError(f"an indexing worker failed ({name}: {message}); the index was not changed")


def write_parallel(generation: str, changed: list[InputFile], known: dict, options: BuildOptions,
                   writer_kwargs: dict, account: Callable[[Outcome], None]) -> list:
    """Process ``changed`` in ``options.processes`` workers; ``account`` each outcome; the workers' segments."""
    context = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
    tasks = context.Queue(TASK_QUEUE_PER_WORKER * options.processes)
    results = context.Queue()
    workers = [
        context.Process(
            target=_worker,
            args=(generation, tasks, results, known, options, writer_kwargs, os.getpid()),
            daemon=True,
        )
        for _ in range(options.processes)
    ]
    for worker in workers:
        worker.start()
    feeder = _Feeder(changed, tasks, len(workers), options)
    segments = []
    finished = 0
    try:
        while finished < len(workers):
            try:
                kind, payload = results.get(timeout=WORKER_POLL_SECONDS)
            except queue.Empty:
                if any(worker.exitcode not in (None, 0) for worker in workers):
                    raise FahrasError("an indexing worker died; the index was not changed") from None
                continue
            if kind == "task":
                account(payload)
            elif kind == "done":
                finished += 1
                segments += payload
            else:
                raise _worker_failure(payload)
        if feeder.error is not None:
            raise feeder.error
    finally:
        feeder.stop.set()
        if finished < len(workers):
            # An aborted run: nothing may wait on a queue nobody reads any more.
            tasks.cancel_join_thread()
            results.cancel_join_thread()
        for worker in workers:
            if finished < len(workers) and worker.is_alive():
                worker.terminate()
            worker.join(WORKER_EXIT_SECONDS)
            if worker.is_alive():
                worker.kill()
                worker.join()
        feeder.thread.join(timeout=WORKER_POLL_SECONDS)
    return segments


class _Feeder:
    """A thread that reads the inputs into tasks (largest files first), then one ``None`` per worker."""

    def __init__(self, changed: list[InputFile], tasks, worker_count: int, options: BuildOptions):
        self.tasks = tasks
        self.stop = threading.Event()
        self.error: BaseException | None = None
        ordered = sorted(changed, key=lambda item: -item.size)
        self.thread = threading.Thread(target=self._run, args=(ordered, worker_count, options), daemon=True)
        self.thread.start()

    def _put(self, task) -> bool:
        while not self.stop.is_set():
            try:
                self.tasks.put(task, timeout=WORKER_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, changed: list[InputFile], worker_count: int, options: BuildOptions) -> None:
        try:
            for task in iter_tasks(changed, options):
                if not self._put(task):
                    return
        except BaseException as error:  # noqa: BLE001 - re-raised by the main thread
            self.error = error
        for _ in range(worker_count):
            self._put(None)

