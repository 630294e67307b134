"""Every error a person may see, in one module at the bottom of the package: `RagError(message, exit_code)`.

Each message is one sentence that says what happened and what to do; `describe` turns any exception into such a
sentence and an exit code (usage problems → 2, everything else → 1). Nothing here imports the rest of `rag`.
"""

from __future__ import annotations

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class RagError(Exception):
    """Base of the library's user-facing errors; `exit_code` is what the command line exits with."""

    exit_code = EXIT_FAIL

    def __init__(self, message: str, exit_code: int | None = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(RagError, ValueError):
    """Input that cannot be used as given (a command-line value, an option); exit code 2."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A setting (RAG_* variable, flag or constructor value) that is not usable."""


class QueryError(UsageError):
    """A question or search option that cannot be used; the message says what to change."""


class DatasetError(UsageError):
    """An evaluation dataset with problems; `problems` lists them as `line N: …`."""

    def __init__(self, path: object, problems: list[str]):
        self.problems = problems
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"{path} has {len(problems)} problem(s): {shown}")


class UploadRejected(UsageError):
    """An uploaded file that cannot be stored."""


class UnreadableFile(RagError):
    """A file that cannot be used as text."""


class EmbeddingModelError(RagError, RuntimeError):
    """The embedding model cannot be loaded."""


class LocalModelError(RagError, RuntimeError):
    """The local chat model cannot be materialised or started."""


class IndexProblem(RagError, RuntimeError):
    """The index cannot be used as it is; the message ends with what to run."""


class IndexMissing(IndexProblem):
    """There is no index yet."""


class IndexCorrupt(IndexProblem):
    """An index file is missing, damaged or out of step with the manifest."""


class IndexStale(IndexProblem):
    """The index was written by another format version or for other settings."""


class IndexBusy(RagError, RuntimeError):
    """Another process holds the build lock; `pid` is the holder's process id when it is known."""

    def __init__(self, message: str, pid: int | None = None):
        super().__init__(message)
        self.pid = pid


class LLMError(RagError, RuntimeError):
    """A chat endpoint could not produce an answer (the message never contains an API key)."""


def describe(exc: BaseException) -> tuple[str, int]:
    """A one-line message and exit code for `exc` (usage problems → 2, everything else → 1)."""
    if isinstance(exc, RagError):
        return str(exc), exc.exit_code
    if isinstance(exc, ValueError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, MemoryError):
        return "ran out of memory; try a smaller corpus or batch size", EXIT_FAIL
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or 'file system'})", EXIT_FAIL
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected {type(exc).__name__}: {first} (set RAG_DEBUG=1 to see details)", EXIT_FAIL
