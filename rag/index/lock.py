"""A lock file so that two processes never build the same index at once.

The lock is an advisory `flock` on `<folder>/.lock`, which the kernel releases when its holder exits in any
way (kill -9 included): a lock file left behind by a dead process never blocks the next build. The holder's
PID is written inside so that a refused builder can say who is building.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from rag.errors import IndexBusy


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def busy_message(path: Path, holder: str) -> tuple[str, int | None]:
    """One sentence about who holds the lock at `path`, given the PID text found in the lock file."""
    if not holder.isdigit():
        return "the index is being built by another process; wait for it to finish and try again", None
    pid = int(holder)
    if pid == os.getpid():
        return f"the index is being built by PID {pid} (another session of this program); wait for it to finish", pid
    if not _running(pid):  # the lock outlived its taker: a child process inherited it
        return (
            f"the index lock {path} is still held although PID {pid}, which took it, has exited; "
            "stop the processes it started and try again"
        ), pid
    return f"the index is being built by PID {pid}; wait for it to finish and try again", pid


class IndexLock:
    """Exclusive, non-blocking lock on `<folder>/.lock`; the holder's PID is written inside."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / ".lock"
        self._fh = None

    def __enter__(self) -> IndexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip()
            fh.close()
            message, pid = busy_message(self.path, holder)
            raise IndexBusy(message, pid) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
