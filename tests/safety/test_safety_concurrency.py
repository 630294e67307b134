"""Promise 4 — concurrency: two builders never run at once (the second is told "the index is being built by
PID …" and the index stays intact), a lock whose holder died never blocks, and many sessions share one
read-only index: searches from many threads while another session asks give exactly the single-threaded results."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import pytest
from safety_support import (
    REPO,
    SAMPLE_QUESTIONS,
    Builder,
    assert_intact,
    build_small_index,
    builds,
    notices,
    ok,
    one_line_error,
    open_page,
    rag,
    small_corpus,
    snapshot,
    use_fake_model,
)

from rag.errors import IndexBusy
from rag.index import IndexLock, load_index


@pytest.fixture()
def built(tmp_path, monkeypatch, capsys):
    return build_small_index(tmp_path, monkeypatch, capsys)


def test_a_second_build_in_another_process_is_refused_with_the_builders_pid(built, tmp_path, capsys):
    root, corpus = built
    before = snapshot(root)
    small_corpus(corpus, files=4)
    builder = Builder(tmp_path, root.parent, corpus, "embed")
    try:
        builder.wait_paused()
        code, out, err = rag(["index", corpus, "--force"], capsys)
        assert code == 1 and out == ""
        line = one_line_error(err)
        assert line == f"rag: error: the index is being built by PID {builder.pid}; wait for it to finish and try again"
        assert_intact(root, before)  # the refused build touched nothing
        assert builds(root) == [before["current"]]
        code, out, err = builder.release()
    finally:
        builder.stop()
    assert code == 0, err
    index = load_index(root, verify=True)  # the first builder finished normally: its index is live and sound
    assert index.manifest["counts"]["documents"] == 4 and builds(root) == [index.path.name]


def test_a_second_session_building_in_the_same_process_is_refused(tmp_path):
    with IndexLock(tmp_path), pytest.raises(IndexBusy) as caught:
        with IndexLock(tmp_path):
            pass
    assert f"the index is being built by PID {os.getpid()} (another session of this program)" in str(caught.value)
    assert caught.value.pid == os.getpid()


FORKING_HOLDER = r"""
import os, sys, time
from pathlib import Path
from rag.index import IndexLock

folder, marker = Path(sys.argv[1]), Path(sys.argv[2])
lock = IndexLock(folder).__enter__()
child = os.fork()  # the child shares the locked file description (as a worker process would)
if child == 0:
    time.sleep(120)
    os._exit(0)
marker.write_text(str(child))
time.sleep(120)
"""


def test_a_lock_still_held_by_the_child_of_a_killed_builder_is_reported_as_such(tmp_path):
    marker = tmp_path / "child"
    proc = subprocess.Popen(
        [sys.executable, "-c", FORKING_HOLDER, str(tmp_path), str(marker)], env=dict(os.environ, PYTHONPATH=str(REPO))
    )
    child = None
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline, "the holder did not start"
            time.sleep(0.02)
        time.sleep(0.05)
        child = int(marker.read_text())
        os.kill(proc.pid, 9)
        proc.wait(timeout=30)
        with pytest.raises(IndexBusy) as caught, IndexLock(tmp_path):
            pass
        message = str(caught.value)
        assert f"PID {proc.pid}, which took it, has exited" in message and "\n" not in message
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        if child:
            os.kill(child, 9)
    deadline = time.monotonic() + 30
    while True:  # once the child is gone too, the lock is free again
        try:
            with IndexLock(tmp_path):
                break
        except IndexBusy:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_the_index_page_says_who_is_building_and_keeps_the_previous_index(tmp_path, monkeypatch):
    home = tmp_path / "home"
    use_fake_model(monkeypatch, home)
    at = open_page("app_pages/manage_index.py")  # the first run builds the index from the bundled magazine
    root = home / "index"
    before = snapshot(root)
    builder = Builder(tmp_path, home, small_corpus(tmp_path / "corpus"), "embed")
    try:
        builder.wait_paused()
        at.file_uploader(key="index_files").set_value(("notes.md", "# 笔记\n\n正文内容。".encode(), "text/markdown"))
        ok(at.run())
        next(b for b in at.button if b.label == "Build the index").click()
        ok(at.run())
        shown = notices(at)
        assert any(f"being built by PID {builder.pid}" in n and "previous index is still in use" in n for n in shown)
        assert_intact(root, before)
        assert not (home / "uploads" / "notes.md").exists(), "the upload of a refused build is not kept"
    finally:
        builder.release()
        builder.stop()


def test_every_session_shares_one_engine_loaded_once(monkeypatch):
    from ui.engine import EngineHolder

    opened = []

    def slow_open(settings, progress=None):
        opened.append(threading.get_ident())
        time.sleep(0.3)  # a slow model load: every session arrives while it runs
        return SimpleNamespace(answerer=SimpleNamespace(warm_up=lambda: None))

    monkeypatch.setattr("ui.engine.open_engine", slow_open)
    holder = EngineHolder(settings=None)
    barrier = threading.Barrier(8)
    engines = []

    def session():
        barrier.wait()
        engines.append(holder.get())

    threads = [threading.Thread(target=session) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(opened) == 1 and len(engines) == 8 and len({id(e) for e in engines}) == 1


# ---------------------------------------------------------------- the real model: searches while a session asks

QUESTIONS = SAMPLE_QUESTIONS[:5] + SAMPLE_QUESTIONS[12:14]
ASKED = ["GPT-3有多少个参数？", "孙凝晖认为我国发展智能计算有哪几条道路？", "What did Miao Wei say about subsidies?"]
MODES = ("hybrid", "dense", "bm25")


def _result(retriever, question, mode):
    return [(h.rank, h.chunk.id, h.score, h.dense_rank, h.bm25_rank) for h in retriever.search(question, 5, mode)]


def _answer(answerer, question):
    answer = answerer.answer(question)
    return answer.text, [(c.n, c.chunk_id, c.span) for c in answer.citations], [s.chunk.id for s in answer.sources]


@pytest.mark.slow
def test_searches_from_8_threads_while_another_session_asks_match_a_single_threaded_run(real_index, real_embedder):
    from rag.answer import Answerer
    from rag.retrieval import Retriever

    alone = Retriever(real_index, real_embedder)
    expected = {(q, m): _result(alone, q, m) for q in QUESTIONS for m in MODES}
    expected_answers = {q: _answer(Answerer(alone), q) for q in ASKED}

    shared = Retriever(real_index, real_embedder)  # fresh: its English-query translator is built under load
    answerer = Answerer(shared)  # and a fresh answerer's sentence-vector cache is filled concurrently
    real_index.dense_owner.setflags(write=False)  # a write to the shared index would raise
    barrier = threading.Barrier(9)
    errors: list[BaseException] = []
    mismatches: list = []

    def searcher(seed):
        try:
            barrier.wait()
            work = [(q, m) for q in QUESTIONS for m in MODES] * 2
            random.Random(seed).shuffle(work)
            for q, m in work:
                if _result(shared, q, m) != expected[(q, m)]:
                    mismatches.append((q, m))
        except BaseException as exc:
            errors.append(exc)

    def asker():
        try:
            barrier.wait()
            for q in ASKED:
                if _answer(answerer, q) != expected_answers[q]:
                    mismatches.append(("answer", q))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=searcher, args=(i,)) for i in range(8)] + [threading.Thread(target=asker)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        real_index.dense_owner.setflags(write=True)
    assert errors == [] and mismatches == []
    assert real_index.dense.size == real_index.manifest["counts"]["vectors"]
