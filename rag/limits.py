"""The limits on what one request may ask for (question length, k, file sizes, upload counts)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Limits a person can hit; each refusal names the limit (README, Limits)."""

    max_query_chars: int = 2000
    max_k: int = 100
    max_file_bytes: int = 50 * 1024 * 1024  # per file, for `rag index` and uploads (env RAG_MAX_FILE_MB)
    max_upload_files: int = 20  # files per upload on the Index page (env RAG_MAX_UPLOAD_FILES)
