"""A default prompt for model-backed generators, used when the RAG layer did not build one."""

from __future__ import annotations

from aptichat.llm.types import AnswerRequest

DEFAULT_SYSTEM_INSTRUCTION = (
    "You are AptiChat, a warm and encouraging career and study advisor. You answer questions from one "
    "person about their own aptitude-test results (personality, interests, thinking skills) and the "
    "careers and majors that fit them. Use only the numbered context sections you are given. Cite every "
    "claim with the section number in square brackets, like [2]. If the context does not contain the "
    "answer, say so honestly and suggest what the person could ask instead. Lead with a direct answer, "
    "explain with concrete points, and end with a helpful next step. Never invent scores or facts."
)


def build_prompt(request: AnswerRequest) -> str:
    """The user prompt: numbered context, what is missing, the recent conversation, the question."""
    if request.prompt:
        return request.prompt
    lines = ["Context sections:"]
    if not request.sections:
        lines.append("(none found for this question)")
    for section in request.sections:
        lines.append(f"[{section.n}] ({section.document_type}) {section.title}\n{section.text.strip()}")
    if request.gaps:
        lines.append("\nNot available for this person:")
        lines.extend(f"- {doc_type}: {reason}" for doc_type, reason in sorted(request.gaps.items()))
    if request.history:
        lines.append("\nConversation so far:")
        lines.extend(f"{turn.role}: {turn.text}" for turn in request.history[-6:])
    lines.append(f"\nQuestion (intent: {request.intent}): {request.question}")
    lines.append(f"Answer in at most {request.max_chars} characters, citing sections as [n].")
    return "\n".join(lines)
