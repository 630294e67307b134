"""The `rag` command: index, docs, search, ask, eval, bench, ui. Parses arguments and calls the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from .config import DEFAULT_CORPUS, Settings
from .retrieve import MODES

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL):
        super().__init__(message)
        self.code = code


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"model": getattr(args, "model", None)}
    if getattr(args, "index_dir", None):
        overrides["index_dir"] = Path(args.index_dir)
    try:
        return Settings.from_env(**overrides)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _shown(text: str) -> str:
    """Document or model text for the terminal: control characters (ESC sequences included) become visible
    `\\xNN` escapes, so a hostile passage cannot drive the terminal. JSON output needs no help: json escapes them."""
    return "".join(ch if ch in "\n\t" or unicodedata.category(ch) != "Cc" else f"\\x{ord(ch):02x}" for ch in text)


def _engine(settings: Settings, sources: list[Path] | None = None):
    from .service import open_engine

    engine = open_engine(settings, sources)
    if engine.rebuilt:
        _say(f"rag: built the index ({engine.rebuilt}): {engine.index.manifest['counts']['chunks']} passages")
    return engine


# ---------------------------------------------------------------- commands


def cmd_index(args: argparse.Namespace) -> int:
    from .index import IndexProblem, load_index, read_manifest, stale_reason
    from .service import rebuild_engine

    settings = _settings(args)
    sources = [Path(p) for p in args.paths] or [DEFAULT_CORPUS]
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise CliError(f"no such file or folder: {', '.join(missing)}", EXIT_USAGE)
    if not args.force:
        try:
            reason = stale_reason(read_manifest(settings.index_path), settings, sources)
            if reason is None:
                load_index(settings.index_path)  # checksums and counts: a damaged index is rebuilt, never kept
        except Exception as exc:
            problem = isinstance(exc, IndexProblem)
            reason = str(exc).split(";")[0] if problem else f"the index could not be checked ({type(exc).__name__})"
        else:
            if reason is None:
                _say(f"rag: the index in {settings.index_path} is up to date; nothing to do (use --force to rebuild)")
                return EXIT_OK
        _say(f"rag: building the index because {reason}")
    engine, report = rebuild_engine(settings, sources)
    for warning in report.warnings:
        _say(f"rag: warning: {warning}")
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
    rows = [[_shown(c) for c in row] for row in rows]
    header = ["kind", "title", "authors", "section", "page", "chunks"]
    widths = [max(_width(x) for x in col) for col in zip(header, *rows)]
    for row in [header] + rows:
        print("  ".join(_pad(c, w) for c, w in zip(row, widths)))
    if not args.all:
        print(f"({len(engine.index.documents) - len(docs)} non-article documents hidden; --all shows them)")
    return EXIT_OK


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _query_args(args: argparse.Namespace, settings: Settings) -> str:
    from .retrieve import QueryError, check_query

    try:
        return check_query(args.question, args.k, args.mode, settings.max_query_chars, settings.max_k)
    except QueryError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _filter(args: argparse.Namespace):
    from .retrieve import SearchFilter

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
        where = " · ".join(
            x for x in [doc.section or doc.kind, " ".join(doc.authors), f"P{doc.page}" if doc.page else ""] if x
        )
        print(_shown(f"[{h.rank}] {doc.title}  ({where})  score={h.score:.4f}"))
        print("    " + _shown(h.chunk.text).replace("\n", "\n    "))
    return EXIT_OK


def cmd_ask(args: argparse.Namespace) -> int:
    from .answer import answer_question
    from .llm import LLMConfig

    settings = _settings(args)
    question = _query_args(args, settings)
    engine = _engine(settings)
    llm = (
        LLMConfig.from_env(base_url=args.llm, model=args.llm_model, api_key=args.llm_key)
        if (args.llm or os.environ.get("RAG_LLM_BASE_URL"))
        else None
    )
    result = answer_question(question, engine.retriever, k=args.k, mode=args.mode, llm=llm, where=_filter(args))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    if result.notice:
        _say(_shown(f"rag: note: {result.notice}"))
    print(_shown(result.text))
    print()
    for source in result.sources:
        doc = source.document
        print(_shown(
            f"[{source.n}] {doc.title} — {' '.join(doc.authors)} {doc.section or ''} "
            f"{'P' + str(doc.page) if doc.page else ''} (chunk {source.chunk.id})"
        ))
    return EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .eval_report import terminal_report, write_markdown
    from .evaluate import MODES as EVAL_MODES
    from .evaluate import DatasetError, evaluation_steps, load_dataset, run_evaluation

    settings = _settings(args)
    dataset = Path(args.dataset)
    if not dataset.is_file():
        raise CliError(f"no dataset file at {dataset}", EXIT_USAGE)
    engine = _engine(settings)
    try:
        questions = load_dataset(dataset, [d.text for d in engine.index.documents.values()])
    except DatasetError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    modes = [m for m in (args.modes.split(",") if args.modes else EVAL_MODES)]
    unknown = [m for m in modes if m not in EVAL_MODES]
    if unknown:
        raise CliError(f"unknown mode(s) {', '.join(unknown)}; choose from {', '.join(EVAL_MODES)}", EXIT_USAGE)
    total = evaluation_steps(questions, modes, args.answers)
    with tqdm(total=total, desc="evaluating", unit="q", file=sys.stderr, disable=args.quiet) as bar:
        report = run_evaluation(engine, dataset, questions, modes, answers=args.answers, tick=bar.update)
    if args.out:
        path = write_markdown(report, Path(args.out))
        (Path(args.out) / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), "utf-8")
        _say(f"rag: wrote {path} and {path.with_name('chart.png')}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(terminal_report(report))
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run_benchmark
    from .bench_report import terminal_report, write_report

    settings = _settings(args)
    dataset = Path(args.dataset)
    if not dataset.is_file():
        raise CliError(f"no dataset file at {dataset}", EXIT_USAGE)
    sizes = None
    if args.sizes:
        try:
            sizes = [int(float(s)) for s in args.sizes.split(",")]
        except ValueError:
            message = f"--sizes takes comma-separated numbers such as 1e4,1e5; got {args.sizes!r}"
            raise CliError(message, EXIT_USAGE) from None
        if any(n < 100 for n in sizes):
            raise CliError(f"every scale size must be at least 100 chunks; got {args.sizes!r}", EXIT_USAGE)
    parts = set(args.only.split(",")) if args.only else None
    if parts and not parts <= {"index", "query", "scale"}:
        raise CliError(f"--only takes index,query,scale; got {args.only!r}", EXIT_USAGE)
    say = (lambda message: None) if args.quiet else (lambda message: _say(f"rag bench: {message}"))
    results = run_benchmark(settings, dataset, quick=args.quick, sizes=sizes, parts=parts, progress=say)
    if args.out:
        written = write_report(results, Path(args.out))
        _say("rag: wrote " + ", ".join(str(p) for p in written))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(terminal_report(results))
    return EXIT_OK


def cmd_ui(args: argparse.Namespace) -> int:
    import subprocess

    app = Path(__file__).resolve().parent.parent / "ui" / "app.py"
    if not app.exists():
        raise CliError(f"the UI is not installed (missing {app})")
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
    ]
    return subprocess.call(cmd)


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Offline question answering over magazine articles.")
    parser.add_argument("--model", help="sentence-transformers model id or folder (env RAG_MODEL)")
    parser.add_argument("--index-dir", help="index folder (env RAG_INDEX_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build the index from .txt/.md files and folders (default: bundled corpus)")
    p.add_argument("paths", nargs="*", help="files or folders")
    p.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("docs", help="list the indexed documents")
    p.add_argument("--all", action="store_true", help="include covers, adverts, masthead and contents")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)

    for name, func, help_ in (
        ("search", cmd_search, "show the best passages for a question"),
        ("ask", cmd_ask, "answer a question with citations"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("question")
        p.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
        p.add_argument("--mode", default="hybrid", help=f"one of {', '.join(MODES)} (default hybrid)")
        p.add_argument("--doc", action="append", help="only this document (id or exact title); repeatable")
        p.add_argument("--section", action="append", help="only this section (栏目); repeatable")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
        if name == "ask":
            p.add_argument("--llm", help="OpenAI-compatible base URL (env RAG_LLM_BASE_URL)")
            p.add_argument("--llm-model", help="model name at that endpoint (env RAG_LLM_MODEL)")
            p.add_argument("--llm-key", help="API key (env RAG_LLM_API_KEY)")

    p = sub.add_parser("eval", help="measure retrieval (and answer) quality on a JSONL dataset")
    p.add_argument("--dataset", default=str(Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"))
    p.add_argument("--modes", help="comma-separated subset of hybrid,dense,bm25,baseline")
    p.add_argument("--answers", action="store_true", help="also score the answers of `rag ask`")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="folder for report.md, report.json and chart.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="time indexing, queries per stage, and index types on synthetic large corpora")
    p.add_argument("--quick", action="store_true", help="a few minutes: fewer repeats, no 10^6 corpus")
    p.add_argument("--sizes", help="synthetic corpus sizes in chunks, e.g. 1e4,1e5,1e6")
    p.add_argument("--only", help="comma-separated subset of index,query,scale")
    p.add_argument("--dataset", default=str(Path(__file__).resolve().parent.parent / "eval" / "questions.jsonl"))
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="folder for bench.json, report.md and the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("ui", help="start the chat app in the browser")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=cmd_ui)
    return parser


def _quiet_libraries() -> None:
    """The CLI owns the terminal: no model-loading progress bars or library chatter on it."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a subcommand; errors become one line on stderr and a non-zero exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _quiet_libraries()
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except CliError as exc:
        _say(f"rag: error: {exc}")
        return exc.code
    except KeyboardInterrupt:
        _say("rag: interrupted")
        return 130
    except Exception as exc:  # the last line of defence: one sentence, no traceback
        if os.environ.get("RAG_DEBUG"):
            raise
        from .errors import describe

        message, code = describe(exc)
        _say(f"rag: error: {message}")
        return code


if __name__ == "__main__":
    sys.exit(main())
