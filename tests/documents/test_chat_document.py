"""ChatDocument: the validated union round-trips, the hash is computed and guarded."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from aptichat.documents import (
    ChatDocument,
    DocumentStatus,
    DocumentType,
    Section,
    ThinkingSkills,
    content_hash_of,
    document_from_row,
    example_content,
    example_document,
)


@pytest.mark.parametrize("document_type", list(DocumentType))
def test_round_trips_through_json(document_type: DocumentType) -> None:
    doc = example_document("u1", document_type).model_copy(update={"version": 3, "status": DocumentStatus.current})
    again = ChatDocument.model_validate(json.loads(doc.model_dump_json()))
    assert again == doc
    assert type(again.content) is type(doc.content)
    assert again.content_hash == doc.content_hash == content_hash_of(doc.content)
    assert len(doc.content_hash) == 64


def test_the_type_picks_the_model_not_a_guess() -> None:
    # A payload without catalog codes would validate as careers or majors: the type decides.
    items = [{"rank": 1, "code": "x", "title": "X", "fit_score": 0.5, "reasons": ["r"]}]
    for document_type in (DocumentType.career_recommendations, DocumentType.major_recommendations):
        doc = ChatDocument.model_validate({"user_id": "u", "document_type": document_type, "content": {"items": items}})
        assert doc.content.document_type is document_type
        assert doc.section_ids()[0].startswith(("careers:", "majors:"))


def test_type_is_inferred_from_a_content_model_and_must_agree() -> None:
    skills = ThinkingSkills.model_validate(example_content(DocumentType.thinking_skills))
    assert ChatDocument(user_id="u", content=skills).document_type is DocumentType.thinking_skills
    with pytest.raises(ValidationError, match="expects PersonalityProfile"):
        ChatDocument(user_id="u", document_type=DocumentType.personality_profile, content=skills)
    with pytest.raises(ValidationError, match="document_type"):
        ChatDocument.model_validate({"user_id": "u", "document_type": "horoscope", "content": {}})


def test_a_wrong_hash_is_refused() -> None:
    data = json.loads(example_document("u1", DocumentType.thinking_skills).model_dump_json())
    data["content"]["skills"][0]["correct"] = 13  # content edited after hashing
    with pytest.raises(ValidationError, match="content_hash"):
        ChatDocument.model_validate(data)


def test_a_content_model_that_drops_its_overview_is_refused() -> None:
    class Broken(ThinkingSkills):
        def sections(self) -> list[Section]:
            return super().sections()[1:]

    content = Broken.model_validate(example_content(DocumentType.thinking_skills))
    with pytest.raises(ValidationError, match="missing required section 'skills:overview'"):
        ChatDocument(user_id="u", content=content)


def test_documents_are_immutable() -> None:
    doc = example_document("u1", DocumentType.thinking_skills)
    with pytest.raises(ValidationError):
        doc.user_id = "someone-else"  # type: ignore[misc]


def test_document_from_row_reads_a_row_shape() -> None:
    doc = example_document("u1", DocumentType.major_recommendations)

    row = SimpleNamespace(
        user_id="u1",
        document_type="major_recommendations",
        content=doc.content.model_dump(mode="json"),
        source_session_id="s-9",
        version=2,
        status="superseded",
    )
    loaded = document_from_row(row)
    assert (loaded.version, loaded.status, loaded.source_session_id) == (2, DocumentStatus.superseded, "s-9")
    assert loaded.content_hash == doc.content_hash
