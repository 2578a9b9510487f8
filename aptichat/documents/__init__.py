"""The documents AptiChat builds for a person: enums, content models and `ChatDocument`."""

from aptichat.documents.base import SECTION_ID_PATTERN, DocumentContent, Section
from aptichat.documents.chunks import ChunkInput, ChunkRow, EmbeddingConfig, chunk_problems
from aptichat.documents.document import (
    CONTENT_MODELS,
    OVERVIEW_SECTION,
    AnyContent,
    ChatDocument,
    DocumentRowLike,
    content_hash_of,
    document_from_row,
)
from aptichat.documents.enums import DocumentStatus, DocumentType, EtlJobStatus, Level
from aptichat.documents.examples import example_content, example_document, example_documents
from aptichat.documents.personality import InterestProfile, PersonalityProfile, TendencyScore, holland_code_for
from aptichat.documents.recommendations import (
    CareerRecommendation,
    CareerRecommendations,
    MajorRecommendation,
    MajorRecommendations,
    Recommendation,
    RecommendationList,
)
from aptichat.documents.skills import SkillScore, ThinkingSkills

__all__ = [
    "CONTENT_MODELS",
    "OVERVIEW_SECTION",
    "SECTION_ID_PATTERN",
    "AnyContent",
    "CareerRecommendation",
    "CareerRecommendations",
    "ChatDocument",
    "ChunkInput",
    "ChunkRow",
    "DocumentContent",
    "DocumentRowLike",
    "DocumentStatus",
    "DocumentType",
    "EmbeddingConfig",
    "EtlJobStatus",
    "InterestProfile",
    "Level",
    "MajorRecommendation",
    "MajorRecommendations",
    "PersonalityProfile",
    "Recommendation",
    "RecommendationList",
    "Section",
    "SkillScore",
    "TendencyScore",
    "ThinkingSkills",
    "chunk_problems",
    "content_hash_of",
    "document_from_row",
    "example_content",
    "example_document",
    "example_documents",
    "holland_code_for",
]
