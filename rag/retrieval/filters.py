"""Which passages a search may return: some documents (by id or exact title), some sections, minus some chunks."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from rag.types import Document


@dataclass(frozen=True)
class SearchFilter:
    """Restrict results to `documents` (ids or exact titles) and/or `sections`; leave out `exclude_chunks` (ids)."""

    documents: Collection[str] = ()
    sections: Collection[str] = ()
    exclude_chunks: Collection[str] = ()

    def allows(self, documents: Mapping[str, Document], doc_id: str) -> bool:
        """Whether passages of document `doc_id` may be returned."""
        doc = documents[doc_id]
        if self.documents and doc_id not in self.documents and doc.title not in self.documents:
            return False
        return not self.sections or (doc.section or "") in self.sections

    def __bool__(self) -> bool:
        return bool(self.documents or self.sections or self.exclude_chunks)
