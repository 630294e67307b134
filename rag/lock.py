"""A lock file so that two processes never build the same index at once."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class IndexBusy(RuntimeError):
    """Another process holds the build lock."""


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
            holder = fh.read().strip() or "another process"
            fh.close()
            raise IndexBusy(f"the index is being built by PID {holder}; wait for it to finish and try again") from None
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
