"""The prompt templates (files under `prompts/`, the single source of every prompt's wording).

Templates are named `<intent>.<version>.txt` (A/B variants are versions: `careers.v1` vs
`careers.v2`); a missing variant falls back to v1 so an experiment arm never breaks an intent it
does not cover. `system.v1.txt` is the advisor's system instruction, for the RAG layer and for a
model-backed generator handed a request without one. `build_prompt` is the plain prompt such a
generator uses when the RAG layer did not build one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from aptichat.llm.types import AnswerRequest

SYSTEM_TEMPLATE = "system.v1"
DEFAULT_VERSION = "v1"


@dataclass(frozen=True)
class PromptTemplate:
    name: str  # e.g. "careers.v2"
    text: str

    @property
    def version(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def _read(name: str) -> str:
    body = resources.files("aptichat.llm").joinpath("prompts", f"{name}.txt").read_text("utf-8")
    # Header lines (starting with "#") document the file; the model never sees them.
    return "\n".join(line for line in body.splitlines() if not line.startswith("#")).strip() + "\n"


@lru_cache(maxsize=64)
def load_template(intent: str, variant: str | None = None) -> PromptTemplate:
    """The template for `intent`; `variant` is "v2" or "careers.v2"; unknown variants use v1."""
    version = (variant or DEFAULT_VERSION).rsplit(".", 1)[-1]
    if not re.fullmatch(r"v\d{1,3}", version):
        version = DEFAULT_VERSION
    for name in (f"{intent}.{version}", f"{intent}.{DEFAULT_VERSION}"):
        try:
            return PromptTemplate(name, _read(name))
        except FileNotFoundError:
            continue
    raise FileNotFoundError(f"no prompt template for intent {intent!r}")


@lru_cache(maxsize=4)
def system_instruction(name: str = SYSTEM_TEMPLATE) -> str:
    """The advisor's system instruction (never shown to the person)."""
    return _read(name).strip()


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
