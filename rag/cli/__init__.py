"""The `rag` command: index, docs, search, ask, eval, bench, ui. Parses arguments and calls the library.

May import: everything in `rag`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from rag.config import ANSWERERS
from rag.errors import EXIT_OK, RagError, describe
from rag.index import BACKENDS
from rag.retrieval import MODES

from .commands import cmd_ask, cmd_bench, cmd_docs, cmd_eval, cmd_index, cmd_search, cmd_ui
from .output import say

ANSWERER_HELP = (
    "auto (the local language model answers English questions when the [llm] extra is installed, quotes for the "
    "rest), extractive (instant quotes) or local (the model writes every answer from chosen sentences); "
    "env RAG_ANSWERER, default auto"
)

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Offline question answering over magazine articles.")
    parser.add_argument("--model", help="sentence-transformers model id or folder (env RAG_MODEL)")
    parser.add_argument("--index-dir", help="index folder (env RAG_INDEX_DIR)")
    backend = {"choices": BACKENDS, "help": "where the index lives: file or milvus (env RAG_BACKEND)"}
    parser.add_argument("--backend", **backend)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build the index from .txt/.md files and folders (default: bundled corpus)")
    p.add_argument("paths", nargs="*", help="files or folders")
    p.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    p.add_argument("--backend", default=argparse.SUPPRESS, **backend)
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
            p.add_argument("--answerer", choices=ANSWERERS, help=ANSWERER_HELP)

    p = sub.add_parser("eval", help="measure retrieval (and answer) quality on a JSONL dataset")
    p.add_argument("--dataset", help="JSONL question set (default: the bundled development set)")
    p.add_argument("--modes", help="comma-separated subset of hybrid,dense,bm25,baseline")
    p.add_argument("--answers", action="store_true", help="also score the answers of `rag ask`")
    p.add_argument("--answerer", choices=ANSWERERS, help=ANSWERER_HELP)
    p.add_argument("--backend", default=argparse.SUPPRESS, **backend)
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="folder for report.md, report.json and chart.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_eval)

    _add_bench(sub, backend)

    p = sub.add_parser("ui", help="start the chat app in the browser")
    p.add_argument("--port", type=int, default=8501)
    p.set_defaults(func=cmd_ui)
    return parser


def _add_bench(sub, backend: dict) -> None:
    """The `rag bench` subcommand."""
    p = sub.add_parser("bench", help="time indexing, queries per stage, and index types on synthetic large corpora")
    p.add_argument("--quick", action="store_true", help="a few minutes: fewer repeats, no 10^6 corpus")
    p.add_argument("--sizes", help="synthetic corpus sizes in chunks, e.g. 1e4,1e5,1e6")
    p.add_argument("--only", help="comma-separated subset of index,query,scale")
    p.add_argument("--dataset", help="JSONL question set (default: the bundled development set)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", help="folder for bench.json, report.md and the PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    milvus_rows = {"help": "milvus: the bench runs on Milvus and adds Milvus Lite rows beside the FAISS scale rows"}
    p.add_argument("--backend", default=argparse.SUPPRESS, **(backend | milvus_rows))
    p.set_defaults(func=cmd_bench)


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
    except RagError as exc:
        say(f"rag: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        say("rag: interrupted")
        return 130
    except Exception as exc:  # the last line of defence: one sentence, no traceback
        if os.environ.get("RAG_DEBUG"):
            raise
        message, code = describe(exc)
        say(f"rag: error: {message}")
        return code


if __name__ == "__main__":
    sys.exit(main())
