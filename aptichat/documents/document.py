"""`ChatDocument`: one person's document of one type, wrapping a validated content model, with the
content hash that decides whether a re-run writes a new version."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from aptichat.documents.base import DocumentContent, Section, check_unique
from aptichat.documents.enums import DocumentStatus, DocumentType
from aptichat.documents.personality import PersonalityProfile
from aptichat.documents.recommendations import CareerRecommendations, MajorRecommendations
from aptichat.documents.skills import ThinkingSkills

CONTENT_MODELS: dict[DocumentType, type[DocumentContent]] = {
    DocumentType.personality_profile: PersonalityProfile,
    DocumentType.thinking_skills: ThinkingSkills,
    DocumentType.career_recommendations: CareerRecommendations,
    DocumentType.major_recommendations: MajorRecommendations,
}

AnyContent = PersonalityProfile | ThinkingSkills | CareerRecommendations | MajorRecommendations

# The overview comes first in every document; readers and the chunker rely on it.
OVERVIEW_SECTION: dict[DocumentType, str] = {
    DocumentType.personality_profile: "personality:overview",
    DocumentType.thinking_skills: "skills:overview",
    DocumentType.career_recommendations: "careers:overview",
    DocumentType.major_recommendations: "majors:overview",
}


def content_hash_of(content: DocumentContent) -> str:
    """sha256 hex of the canonical JSON of `content` (sorted keys, no whitespace)."""
    canonical = json.dumps(content.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ChatDocument(BaseModel):
    """A person's document. `content` is parsed with the model that `document_type` names, so
    `ChatDocument.model_validate(doc.model_dump(mode="json"))` round-trips (also from JSONB)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(min_length=1, max_length=128)
    # May be left out when `content` is a content model instance: it is then taken from the model.
    document_type: DocumentType = Field(default=None, validate_default=True)
    content: AnyContent
    source_session_id: str | None = Field(default=None, max_length=128)
    version: int | None = Field(default=None, ge=1)
    status: DocumentStatus | None = None
    # Always computed from the content; a given value must match (it catches corrupted payloads).
    content_hash: str = Field(default=None, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _infer_type(cls, data: Any) -> Any:
        # Built from a content model alone, the type is the model's own.
        if isinstance(data, dict) and data.get("document_type") is None:
            content = data.get("content")
            if isinstance(content, DocumentContent):
                return {**data, "document_type": content.document_type}
        return data

    @field_validator("content", mode="before")
    @classmethod
    def _parse_with_the_model_the_type_names(cls, value: Any, info: ValidationInfo) -> Any:
        document_type = info.data.get("document_type")
        if document_type is None:
            # Without a valid type a smart union could pick the wrong model (careers vs majors).
            raise ValueError("content: cannot pick a content model because document_type is missing or invalid")
        model = CONTENT_MODELS[document_type]
        if isinstance(value, DocumentContent):
            if not isinstance(value, model):
                raise ValueError(
                    f"content is a {type(value).__name__} but document_type is {document_type.value!r} "
                    f"(expects {model.__name__})"
                )
            return value
        return model.model_validate(value)

    @field_validator("content")
    @classmethod
    def _sections_complete(cls, value: DocumentContent, info: ValidationInfo) -> DocumentContent:
        sections = value.sections()
        ids = [s.section_id for s in sections]
        required = OVERVIEW_SECTION[info.data["document_type"]]
        if not ids or ids[0] != required:
            raise ValueError(f"content: missing required section {required!r} (first section is {ids[:1]})")
        check_unique(ids, "section id")
        return value

    @field_validator("content_hash", mode="before")
    @classmethod
    def _hash_matches_content(cls, value: Any, info: ValidationInfo) -> Any:
        content = info.data.get("content")
        if content is None:
            return value
        computed = content_hash_of(content)
        if value is not None and value != computed:
            raise ValueError(f"content_hash {value!r} does not match the content (computed {computed!r})")
        return computed

    @property
    def title(self) -> str:
        """The document's title."""
        return self.content.title

    def sections(self) -> list[Section]:
        """The content's sections, overview first."""
        return self.content.sections()

    def section_ids(self) -> list[str]:
        """The ids of `sections()`, in order."""
        return [s.section_id for s in self.sections()]

    def render(self) -> str:
        """The whole document as markdown-ish text."""
        return self.content.render()


class DocumentRowLike(Protocol):
    """What `document_from_row` reads: a chat_documents ORM row or a result row with these columns."""

    @property
    def user_id(self) -> str: ...
    @property
    def document_type(self) -> str: ...
    @property
    def content(self) -> dict[str, Any]: ...
    @property
    def source_session_id(self) -> str | None: ...
    @property
    def version(self) -> int: ...
    @property
    def status(self) -> str: ...


def document_from_row(row: DocumentRowLike) -> ChatDocument:
    """The `ChatDocument` stored in a chat_documents row. The hash is recomputed, not copied:
    `DocumentRepository.check_integrity` reports rows whose stored hash no longer matches."""
    return ChatDocument.model_validate(
        {
            "user_id": row.user_id,
            "document_type": row.document_type,
            "content": row.content,
            "source_session_id": row.source_session_id,
            "version": row.version,
            "status": row.status,
        }
    )
