"""The `rag` command: index, docs, search, ask, eval, bench, ui. Parses arguments and calls the library."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rag.config import AUTO, EXTRACTIVE, Settings
from rag.errors import EXIT_OK, ConfigError, LocalModelError, RagError, UsageError, describe
from rag.evaluation import development_set
from rag.ingest import bundled_corpus
from rag.retrieval import SearchFilter, check_query
from rag.text import format_table, is_english

from .output import progress_lines, say, shown

if TYPE_CHECKING:
    from rag.answer import LLMConfig
    from rag.engine import Engine


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        "model": getattr(args, "model", None),
        "backend": getattr(args, "backend", None),
        "answerer": getattr(args, "answerer", None),
    }
    if getattr(args, "index_dir", None):
        overrides["index_dir"] = Path(args.index_dir)
    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _build_progress():
    """Progress lines on stderr, but only once a build starts: loading a ready index stays silent."""
    lines = progress_lines()

    def show(p) -> None:
        if p.stage != "model":
            lines(p)

    return show


def _model_progress():
    """`rag: writing the local model … MB` on stderr, about every tenth, while the model is materialised."""
    shown_at = [-1]

    def show(done: int, total: int) -> None:
        step = done * 10 // max(total, 1)
        if step != shown_at[0]:
            shown_at[0] = step
            say(f"rag: writing the local language model (first use only): {done >> 20}/{total >> 20} MB")

    return show


def _engine(settings: Settings, sources: list[Path] | None = None):
    from rag.engine import open_engine

    engine = open_engine(settings, sources, progress=_build_progress())
    if engine.rebuilt:
        say(f"rag: built the index ({engine.rebuilt}): {engine.index.manifest['counts']['chunks']} passages")
    return engine


# ---------------------------------------------------------------- commands


def cmd_index(args: argparse.Namespace) -> int:
    from rag.engine import rebuild_engine
    from rag.index import check_index

    settings = _settings(args)
    sources = [Path(p) for p in args.paths] or [bundled_corpus()]
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if not args.force:
        reason = check_index(settings.index, sources)  # checksums and counts: a damaged index is rebuilt, never kept
        if reason is None:
            say(f"rag: the index in {settings.index_path} is up to date; nothing to do (use --force to rebuild)")
            return EXIT_OK
        say(f"rag: building the index because {reason}")
    engine, report = rebuild_engine(settings, sources, progress=progress_lines())
    for warning in report.warnings:
        say(f"rag: warning: {warning}")
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in report.stages.items())
    print(
        f"indexed {report.documents} documents, {report.chunks} passages "
        f"({report.embedded} embedded, the other vectors from the cache) in {engine.index.path}\n{stages}"
    )
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    engine = _engine(_settings(args))
    counts: dict[str, int] = {}
    for chunk in engine.index.chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    docs = [d for d in engine.index.documents.values() if args.all or d.is_article]
    if args.json:
        print(json.dumps([d.meta() | {"chunks": counts.get(d.id, 0)} for d in docs], ensure_ascii=False, indent=2))
        return EXIT_OK
    rows = [
        [d.kind, d.title[:34], " ".join(d.authors)[:16], d.section or "", str(d.page or ""), str(counts.get(d.id, 0))]
        for d in docs
    ]
    rows = [[shown(c) for c in row] for row in rows]
    print(format_table(rows, ["kind", "title", "authors", "section", "page", "chunks"], rule=False))
    if not args.all:
        print(f"({len(engine.index.documents) - len(docs)} non-article documents hidden; --all shows them)")
    return EXIT_OK


def _query_args(args: argparse.Namespace, settings: Settings) -> str:
    return check_query(args.question, args.k, args.mode, settings.limits)


def _filter(args: argparse.Namespace) -> SearchFilter | None:
    return SearchFilter(tuple(args.doc or ()), tuple(args.section or ())) if (args.doc or args.section) else None


def cmd_search(args: argparse.Namespace) -> int:
    settings = _settings(args)
    question = _query_args(args, settings)
    engine = _engine(settings)
    hits = engine.retriever.search(question, k=args.k, mode=args.mode, where=_filter(args))
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not hits:
        print("no passages matched")
    for h in hits:
        doc = h.document
        print(shown(f"[{h.rank}] {doc.label()}  score={h.score:.4f}"))
        print("    " + shown(h.chunk.text).replace("\n", "\n    "))
    return EXIT_OK


def _chat_model(engine: Engine, question: str | None = None) -> LLMConfig | None:
    """The chosen chat model; when "auto" chose the local model and it cannot start, a note and quotes instead."""
    try:
        return engine.chat_model(_model_progress(), question)
    except LocalModelError as exc:
        if engine.settings.answerer != AUTO:
            raise
        say(shown(f"rag: note: {describe(exc)[0]} Answering with quotes from the magazine instead."))
        return None


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.answer import LLMConfig

    settings = _settings(args)
    question = _query_args(args, settings)
    engine = _engine(settings)
    if args.llm or os.environ.get("RAG_LLM_BASE_URL"):
        llm = LLMConfig.from_env(base_url=args.llm, model=args.llm_model, api_key=args.llm_key)
    else:
        llm = _chat_model(engine, question)
    try:
        result = engine.answerer.answer(question, k=args.k, mode=args.mode, llm=llm, where=_filter(args))
    finally:
        engine.close()
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    if result.notice:
        say(shown(f"rag: note: {result.notice}"))
    print(shown(result.text))
    print()
    for source in result.sources:
        print(shown(f"[{source.n}] {source.label()}  (chunk {source.chunk.id})"))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag.evaluation import MODES as EVAL_MODES
    from rag.evaluation import evaluation_steps, load_dataset, run_evaluation, terminal_report, write_markdown

    settings = _settings(args)
    dataset = Path(args.dataset) if args.dataset else development_set()
    if not dataset.is_file():
        raise UsageError(f"no dataset file at {dataset}")
    engine = _engine(settings)
    questions = load_dataset(dataset, [d.text for d in engine.index.documents.values()])
    modes = [m for m in (args.modes.split(",") if args.modes else EVAL_MODES)]
    unknown = [m for m in modes if m not in EVAL_MODES]
    if unknown:
        raise UsageError(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(EVAL_MODES)}")
    total = evaluation_steps(questions, modes, args.answers)
    answerer = None
    if args.answers:  # the local model (when chosen) starts before the clock; quotes when it cannot
        if settings.answerer == AUTO and not any(is_english(q.question) for q in questions):
            answerer = EXTRACTIVE  # the automatic answerer would not ask the model anything
        else:
            answerer = settings.answerer if _chat_model(engine) is not None else EXTRACTIVE
    with tqdm(total=total, desc="evaluating", unit="q", file=sys.stderr, disable=args.quiet) as bar:
        try:
            report = run_evaluation(engine, dataset, questions, modes, answers=answerer, tick=bar.update)
        finally:
            engine.close()
    if args.out:
        path = write_markdown(report, Path(args.out))
        (Path(args.out) / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
        say(f"rag: wrote {path} and {path.with_name('chart.png')}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(terminal_report(report))
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from rag.bench import run_benchmark, terminal_report, write_report

    settings = _settings(args)
    dataset = Path(args.dataset) if args.dataset else development_set()
    if not dataset.is_file():
        raise UsageError(f"no dataset file at {dataset}")
    sizes = None
    if args.sizes:
        try:
            sizes = [int(float(s)) for s in args.sizes.split(",")]
        except ValueError:
            message = f"--sizes takes comma-separated numbers such as 1e4,1e5; got {args.sizes!r}"
            raise UsageError(message) from None
        if any(n < 100 for n in sizes):
            raise UsageError(f"every scale size must be at least 100 chunks; got {args.sizes!r}")
    parts = set(args.only.split(",")) if args.only else None
    if parts and not parts <= {"index", "query", "scale"}:
        raise UsageError(f"--only takes index,query,scale; got {args.only!r}")
    progress = (lambda message: None) if args.quiet else (lambda message: say(f"rag bench: {message}"))
    results = run_benchmark(settings, dataset, quick=args.quick, sizes=sizes, parts=parts, progress=progress)
    if args.out:
        written = write_report(results, Path(args.out))
        say("rag: wrote " + ", ".join(str(p) for p in written))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(terminal_report(results))
    return EXIT_OK


def cmd_ui(args: argparse.Namespace) -> int:
    import subprocess

    spec = importlib.util.find_spec("ui")
    app = Path(spec.origin).parent / "app.py" if spec and spec.origin else None
    if app is None or not app.exists():
        raise RagError("the app is not installed (the `ui` package is missing); reinstall magrag")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",  # an offline tool: no Deploy button, no developer menu
        "minimal",
        "--client.showErrorDetails",
        "none",
    ]
    return subprocess.call(cmd)
