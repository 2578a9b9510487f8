"""Small, valid example documents of every type: for tests, demos and the docs. The values are
made up but consistent (levels match percentiles, the Holland code matches the scores)."""

from __future__ import annotations

from typing import Any

from aptichat.documents.document import ChatDocument
from aptichat.documents.enums import DocumentType


def example_content(document_type: DocumentType) -> dict[str, Any]:
    """A JSON-shaped content payload of `document_type`, as an importer would produce it."""
    payloads: dict[DocumentType, dict[str, Any]] = {
        DocumentType.personality_profile: {
            "tendencies": [
                {"scale": "openness", "raw_score": 4.1, "percentile": 82, "level": "high"},
                {"scale": "conscientiousness", "raw_score": 3.6, "percentile": 64},
                {"scale": "extraversion", "raw_score": 2.9, "percentile": 41},
                {"scale": "agreeableness", "raw_score": 4.3, "percentile": 88},
                {"scale": "neuroticism", "raw_score": 2.2, "percentile": 25},
            ],
            "interests": {
                "scores": {"R": 22, "I": 71, "A": 58, "S": 86, "E": 35, "C": 40},
                "holland_code": "SIA",
            },
        },
        DocumentType.thinking_skills: {
            "skills": [
                {"skill": "verbal", "correct": 14, "total": 20, "percentile": 66},
                {"skill": "numerical", "correct": 17, "total": 20, "percentile": 84},
                {"skill": "spatial", "correct": 9, "total": 20, "percentile": 28},
                {"skill": "logical", "correct": 15, "total": 20, "percentile": 72},
                {"skill": "memory", "correct": 11, "total": 16, "percentile": 55},
            ]
        },
        DocumentType.career_recommendations: {
            "items": [
                {
                    "rank": 1,
                    "code": "29-1141.00",
                    "title": "Registered Nurse",
                    "onet_soc_code": "29-1141.00",
                    "fit_score": 0.91,
                    "reasons": [
                        "Your strongest interest is Social: you enjoy helping and caring for people",
                        "Your high agreeableness fits patient-centred work",
                    ],
                    "matched_interests": ["S", "I"],
                    "skills": ["Active listening", "Critical thinking"],
                    "description": "Registered nurses assess patients and coordinate their care.",
                },
                {
                    "rank": 2,
                    "code": "19-1042.00",
                    "title": "Medical Scientist",
                    "onet_soc_code": "19-1042.00",
                    "fit_score": 0.84,
                    "reasons": ["Your Investigative interest and strong numerical reasoning"],
                    "matched_interests": ["I"],
                    "skills": ["Science", "Reading comprehension"],
                },
                {
                    "rank": 3,
                    "code": "21-1012.00",
                    "title": "Educational and Career Counselor",
                    "fit_score": 0.84,
                    "reasons": ["Your Social and Artistic interests and your openness to ideas"],
                    "matched_interests": ["S", "A"],
                },
            ]
        },
        DocumentType.major_recommendations: {
            "items": [
                {
                    "rank": 1,
                    "code": "nursing",
                    "title": "Nursing",
                    "cip_code": "51.3801",
                    "fit_score": 0.89,
                    "reasons": ["It combines your Social and Investigative interests"],
                    "matched_interests": ["S", "I"],
                    "skills": ["Science"],
                },
                {
                    "rank": 2,
                    "code": "psychology",
                    "title": "Psychology",
                    "cip_code": "42.0101",
                    "fit_score": 0.8,
                    "reasons": ["Your curiosity about people and your high openness"],
                    "matched_interests": ["I", "S"],
                },
            ]
        },
    }
    return payloads[document_type]


def example_document(user_id: str, document_type: DocumentType, **changes: Any) -> ChatDocument:
    """A valid `ChatDocument` of `document_type` for `user_id`; `changes` override top-level content fields."""
    content = {**example_content(document_type), **changes}
    return ChatDocument.model_validate({"user_id": user_id, "document_type": document_type, "content": content})


def example_documents(user_id: str) -> list[ChatDocument]:
    """One example document of every type, in DocumentType order."""
    return [example_document(user_id, t) for t in DocumentType]
