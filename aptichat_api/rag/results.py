"""What the engine returns to the API (pydantic, so the Flask layer can serialise it directly)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UserNotFound(LookupError):
    """The person has no chat_users row (their test was never processed)."""

    code = "user_not_found"


class Citation(BaseModel):
    n: int
    document_type: str
    section_id: str
    title: str
    snippet: str


class ChatResult(BaseModel):
    conversation_id: str
    message_id: int
    answer: str
    intent: str
    citations: list[Citation] = Field(default_factory=list)
    provider: str
    degraded: bool = False
    degraded_cause: str | None = Field(
        default=None,
        description="why the answer is degraded: vector_search_failed, keyword_search_failed, "
        "query_embedding_failed, retrieval_failed or provider_<error class>",
    )
    latency_ms: float
    variant: str | None = None
    flags: list[str] = Field(default_factory=list, description="prompt-injection markers seen in the question")
    cached: bool = False
