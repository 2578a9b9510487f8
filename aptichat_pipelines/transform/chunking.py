"""Documents -> chunks: one chunk per section, so every citation points at a whole titled section.

Sections are written short by the document models (a paragraph or two), well inside the embedding
model's input window, so no section is split and the asset check "every section became a chunk"
holds by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

from aptichat.documents import ChatDocument


@dataclass(frozen=True)
class ChunkDraft:
    """A section ready to embed."""

    document_type: str
    ordinal: int
    section_id: str
    title: str
    text: str

    @property
    def embedding_text(self) -> str:
        # the title carries the topic ("Numerical reasoning"), which short section texts may not repeat
        return f"{self.title}\n{self.text}"


def chunk_document(document: ChatDocument) -> list[ChunkDraft]:
    """The chunks of one document, in section order."""
    return [
        ChunkDraft(document.document_type.value, ordinal, s.section_id, s.title, s.text)
        for ordinal, s in enumerate(document.sections())
    ]
