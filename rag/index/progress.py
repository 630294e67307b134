"""Build progress as a record: stage, count, rate, elapsed time and time left, for terminals and pages alike."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# Share of a cold build each stage takes (README Performance: embedding is ~97% of it); gives the overall fraction.
STAGE_WEIGHTS = {"model": 0.0, "parse": 0.02, "chunk": 0.01, "embed": 0.93, "index": 0.03, "save": 0.01, "done": 0.0}
STAGES = tuple(STAGE_WEIGHTS)
_LABELS = {
    "model": "loading the embedding model",
    "parse": "reading the files",
    "chunk": "splitting into passages",
    "embed": "embedding",
    "index": "building the search indexes",
    "save": "saving the index",
    "done": "index ready",
}
INDEX_AND_SAVE_SECONDS = 2.0  # what follows the embedding on the bundled issue (BM25, FAISS, files), for the ETA


@dataclass(frozen=True)
class BuildProgress:
    """Where a build is: `stage` (one of `STAGES`), `done` of `total` `unit`s in it, the stage's rate (units per
    second, once known), seconds since the build started, seconds left (once known) and the overall fraction."""

    stage: str
    done: int = 0
    total: int = 0
    unit: str = ""
    elapsed: float = 0.0
    rate: float | None = None
    eta: float | None = None
    fraction: float = 0.0

    def describe(self) -> str:
        """One line for a person, e.g. `embedding 64/222 passages · 3.1/s · about 0:45 left · 0:20 so far`."""
        parts = [_LABELS.get(self.stage, self.stage)]
        if self.total and self.stage != "done":
            parts[0] += f" {self.done}/{self.total} {self.unit}".rstrip()
        elif self.total:
            parts[0] += f": {self.total} {self.unit}".rstrip()
        if self.rate:
            parts.append(f"{self.rate:.1f} {self.unit}/s" if self.rate < 10 else f"{self.rate:.0f} {self.unit}/s")
        if self.eta is not None and self.stage != "done":
            parts.append(f"about {clock(self.eta)} left")
        if self.stage == "done":
            return " · ".join(parts) + f" in {clock(self.elapsed)}"
        parts.append(f"{clock(self.elapsed)} so far")
        return " · ".join(parts)


def clock(seconds: float) -> str:
    """`m:ss` for a duration."""
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


ProgressCallback = Callable[[BuildProgress], None]


class ProgressTracker:
    """Turns a build's (stage, done, total) reports into `BuildProgress` records for `callback`."""

    def __init__(self, callback: ProgressCallback | None, started: float | None = None):
        self.callback = callback
        self.started = time.perf_counter() if started is None else started
        self._stage = ""
        self._stage_started = self.started
        self._fraction = 0.0

    def __call__(self, stage: str, done: int = 0, total: int = 0, unit: str = "", work: float | None = None) -> None:
        """Report `done` of `total` in `stage`; `work` is the share of the stage's work done (by default
        done/total): the time left is projected from it, as texts of different lengths cost different time."""
        now = time.perf_counter()
        if stage != self._stage:
            self._stage, self._stage_started = stage, now
        share = work if work is not None else (done / total if total else 0.0)
        rate = eta = None
        if stage == "embed" and done and total:
            spent = max(now - self._stage_started, 1e-6)
            rate = done / spent
            eta = spent * (1 - share) / max(share, 1e-6) + INDEX_AND_SAVE_SECONDS
        elif stage == "done":
            eta = 0.0
        before = sum(STAGE_WEIGHTS[s] for s in STAGES[: STAGES.index(stage)]) if stage in STAGE_WEIGHTS else 0.0
        within = STAGE_WEIGHTS.get(stage, 0.0) * share
        self._fraction = max(self._fraction, min(1.0, before + within if stage != "done" else 1.0))
        if self.callback is not None:
            self.callback(BuildProgress(stage, done, total, unit, now - self.started, rate, eta, self._fraction))
