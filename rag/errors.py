"""Turn any exception from the library into one sentence for a person, plus an exit code."""

from __future__ import annotations

EXIT_FAIL, EXIT_USAGE = 1, 2


def describe(exc: BaseException) -> tuple[str, int]:
    """A one-line message and exit code for `exc` (usage problems → 2, everything else → 1)."""
    from .chunking import ChunkingConfig  # noqa: F401  (ValueErrors from settings carry their own message)
    from .corpus import UnreadableFile
    from .embedding import EmbeddingModelError
    from .index import IndexProblem
    from .lock import IndexBusy
    from .retrieve import QueryError

    if isinstance(exc, QueryError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, (IndexProblem, IndexBusy, EmbeddingModelError, UnreadableFile)):
        return str(exc), EXIT_FAIL
    if isinstance(exc, ValueError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, MemoryError):
        return "ran out of memory; try a smaller corpus or batch size", EXIT_FAIL
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or 'file system'})", EXIT_FAIL
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected {type(exc).__name__}: {first} (set RAG_DEBUG=1 to see details)", EXIT_FAIL
