"""Retrieval-augmented answers for the chat API: question -> intent -> retrieval -> prompt ->
generation -> memory. The Flask layer only needs `ChatEngine` and the errors below."""

from aptichat_api.rag.engine import ChatEngine
from aptichat_api.rag.memory import ConversationInfo, ConversationNotFound, ConversationStore, HistoryPage
from aptichat_api.rag.question import QuestionRejected
from aptichat_api.rag.results import ChatResult, Citation, UserNotFound

__all__ = [
    "ChatEngine",
    "ChatResult",
    "Citation",
    "ConversationInfo",
    "ConversationNotFound",
    "ConversationStore",
    "HistoryPage",
    "QuestionRejected",
    "UserNotFound",
]
