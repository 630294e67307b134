"""Promise 7 — load: 2 000 searches from 8 threads against the warm index (in-process, the real model) finish
without an error, give identical results for identical questions, and do not grow memory beyond a small bound."""

from __future__ import annotations

import gc
import os
import threading
import time

import pytest
from safety_support import SAMPLE_QUESTIONS

SEARCHES, THREADS, WARM_UP = 2000, 8, 240
RSS_GROWTH_LIMIT_MB = 50
MODES = ("hybrid", "dense", "bm25")


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _result(retriever, question, mode):
    return [(h.rank, h.chunk.id, h.score) for h in retriever.search(question, k=5, mode=mode)]


def _hammer(retriever, work, expected, searches):
    """`searches` searches from THREADS threads, taking work items in turn; returns (errors, mismatches, done)."""
    lock = threading.Lock()
    state = {"next": 0, "done": 0}
    errors, mismatches = [], []
    barrier = threading.Barrier(THREADS)

    def worker():
        barrier.wait()
        while True:
            with lock:
                i = state["next"]
                if i >= searches:
                    return
                state["next"] += 1
            question, mode = work[i % len(work)]
            try:
                if _result(retriever, question, mode) != expected[(question, mode)]:
                    mismatches.append((question, mode))
            except Exception as exc:
                errors.append(repr(exc))
            with lock:
                state["done"] += 1

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors, mismatches, state["done"]


@pytest.mark.slow
def test_2000_searches_from_8_threads_are_identical_error_free_and_memory_bounded(real_index, real_embedder):
    from rag.retrieval import Retriever

    retriever = Retriever(real_index, real_embedder)
    work = [(q, m) for q in SAMPLE_QUESTIONS for m in MODES]
    expected = {item: _result(retriever, *item) for item in work}  # single-threaded reference

    errors, mismatches, _ = _hammer(retriever, work, expected, WARM_UP)  # thread pools and allocator arenas
    assert errors == [] and mismatches == []
    gc.collect()
    before = _rss_mb()
    started = time.monotonic()
    errors, mismatches, done = _hammer(retriever, work, expected, SEARCHES)
    seconds = time.monotonic() - started
    gc.collect()
    growth = _rss_mb() - before
    print(f"{done} searches from {THREADS} threads in {seconds:.1f} s ({done / seconds:.0f}/s); RSS {growth:+.1f} MB")
    assert errors == [] and mismatches == [] and done == SEARCHES
    assert growth < RSS_GROWTH_LIMIT_MB, f"memory grew by {growth:.1f} MB over {SEARCHES} searches"
