"""One part of a storage job run in a forked process while this process does another part.

The final merge of a parallel build is the only long step that runs in the
main process alone, with the other core idle; splitting each large field's
terms between this process and a fork gives that core work.  A fork shares
the open source segments and the parsed term tables without copying them.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import shutil
import tempfile
import traceback


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


class Forked:
    """``function(argument, folder)`` in a forked process; ``result()`` waits for its (picklable) return value.

    ``folder`` is a temporary folder for the function's output files; it is
    removed when the ``with`` block ends, with the process stopped if it still runs.
    """

    def __init__(self, function, argument):
        self.function, self.argument = function, argument
        self.folder = ""
        self.process = None

    def __enter__(self) -> Forked:
        self.folder = tempfile.mkdtemp(prefix="fahras-part-")
        self.process = multiprocessing.get_context("fork").Process(
            target=_run, args=(self.function, self.argument, self.folder), daemon=True)
        self.process.start()
        return self

    def result(self):
        self.process.join()
        try:
            with open(os.path.join(self.folder, _RESULT), "rb") as stream:
                failed, value = pickle.load(stream)
        except (OSError, EOFError, pickle.UnpicklingError):
            failed, value = True, f"the process ended with exit code {self.process.exitcode} and no result"
        if failed:
            raise RuntimeError(f"a forked part of the merge failed: {value}")
        return value

    def __exit__(self, *exc_info) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()
        shutil.rmtree(self.folder, ignore_errors=True)


_RESULT = "result"


def _run(function, argument, folder: str) -> None:
    try:
        outcome = (False, function(argument, folder))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        outcome = (True, traceback.format_exc())
    with open(os.path.join(folder, _RESULT), "wb") as stream:
        pickle.dump(outcome, stream)
