"""From retrieved sections and conversation memory to one prompt that fits the model's budget.

Templates and the system instruction come from `aptichat.llm.prompt` (files under
`aptichat/llm/prompts/`, one per intent and A/B version). Older turns that do not fit are folded
into a summary (stored on the conversation) rather than cut mid-sentence.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aptichat.intents import Intent
from aptichat.llm.prompt import PromptTemplate, load_template, system_instruction
from aptichat.llm.types import ContextSection, Turn
from aptichat.settings import Settings

log = logging.getLogger(__name__)

# Budget of the prompt (system instruction + template + sections + history), in tokens. Far below
# any Gemini context window on purpose: long prompts cost latency and money, not accuracy.
DEFAULT_PROMPT_BUDGET = 6000
SUMMARY_MAX_CHARS = 1200
SECTION_MAX_CHARS = 1500


class TokenCounter(Protocol):
    exact: bool

    def count(self, text: str) -> int: ...


class CharEstimate:
    """A conservative estimate: one token per 4 characters, rounded up (English averages ~4.5)."""

    exact = False

    def count(self, text: str) -> int:
        return math.ceil(len(text) / 4)


class GeminiTokenCounter:
    """Counts with the SDK's count_tokens; falls back to the estimate when the call fails."""

    exact = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: object | None = None
        self._fallback = CharEstimate()

    def count(self, text: str) -> int:
        try:
            if self._client is None:
                from aptichat.llm.gemini_client import gemini_client

                self._client = gemini_client(self.settings)
            response = self._client.models.count_tokens(  # type: ignore[attr-defined]
                model=self.settings.gemini_answer_model, contents=text
            )
            return int(response.total_tokens)
        except Exception as exc:  # counting is advisory: never fail an answer over it
            log.info("count_tokens failed, estimating: %s", exc)
            return self._fallback.count(text)


def token_counter(settings: Settings) -> TokenCounter:
    return GeminiTokenCounter(settings) if settings.llm == "gemini" and settings.gemini_api_key else CharEstimate()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def first_sentences(text: str, max_chars: int) -> str:
    """Whole sentences from the start of `text` up to `max_chars` (at least the first, trimmed)."""
    text = re.sub(r"\s+", " ", text).strip()
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if out and len(out) + 1 + len(sentence) > max_chars:
            break
        out = f"{out} {sentence}".strip()
    if len(out) > max_chars:  # a single very long sentence: cut at a word boundary, mark it
        out = out[: max_chars - 1].rsplit(" ", 1)[0] + "…"
    return out


def summarise_turns(previous_summary: str | None, turns: Sequence[Turn], max_chars: int = SUMMARY_MAX_CHARS) -> str:
    """Fold turns into the running summary, extractively (works offline; deterministic).

    Each turn keeps its first sentence. When the summary outgrows `max_chars` its oldest sentences
    go first, whole, so the summary never ends mid-sentence.
    """
    lines = [line for line in (previous_summary or "").split("\n") if line.strip()]
    for turn in turns:
        who = "The person asked" if turn.role == "user" else "The advisor said"
        lines.append(f"{who}: {first_sentences(turn.text, 200)}")
    while lines and sum(len(line) + 1 for line in lines) > max_chars:
        lines.pop(0)
    return "\n".join(lines)


@dataclass
class BuiltPrompt:
    """The prompt the generator gets, and what memory must persist about how it was built."""

    template: PromptTemplate
    system_instruction: str
    prompt: str
    sections: list[ContextSection]
    history: list[Turn]
    summary: str | None
    folded_turns: list[Turn] = field(default_factory=list)  # turns newly moved into the summary
    tokens: int = 0


def _render_sections(sections: Sequence[ContextSection]) -> str:
    return "\n\n".join(f"[{s.n}] {s.title} ({s.document_type}, {s.section_id})\n{s.text}" for s in sections) or "(none)"


def _render_history(turns: Sequence[Turn]) -> str:
    return "\n".join(f"{'Person' if t.role == 'user' else 'Advisor'}: {t.text}" for t in turns) or "(none)"


def gap_note(gaps: dict[str, str]) -> str:
    if not gaps:
        return ""
    notes = "; ".join(f"{doc.replace('_', ' ')}: {reason}" for doc, reason in sorted(gaps.items()))
    return f"Not available for this person (say so if relevant): {notes}\n"


def build_prompt(
    question: str,
    intent: Intent,
    sections: Sequence[ContextSection],
    history: Sequence[Turn],
    summary: str | None,
    gaps: dict[str, str],
    counter: TokenCounter,
    budget_tokens: int = DEFAULT_PROMPT_BUDGET,
    variant: str | None = None,
    keep_turns: int = 6,
) -> BuiltPrompt:
    """Fill the intent's template within `budget_tokens`.

    Order of sacrifice when over budget: older turns are folded into the summary first (they are
    the least relevant to this question), then the lowest-ranked sections are dropped; the question,
    the system instruction and the first section always stay.
    """
    template = load_template(intent.value, variant)
    system = system_instruction()
    kept_sections = [s.model_copy(update={"text": first_sentences(s.text, SECTION_MAX_CHARS)}) for s in sections]
    turns = list(history)
    folded: list[Turn] = []
    if len(turns) > keep_turns:  # beyond the window: summarised regardless of budget
        folded, turns = turns[: len(turns) - keep_turns], turns[len(turns) - keep_turns :]
    current_summary = summarise_turns(summary, folded) if folded else summary

    def render() -> str:
        return template.text.format(
            summary=current_summary or "(none)",
            history=_render_history(turns),
            sections=_render_sections(kept_sections),
            gaps=gap_note(gaps),
            question=question,
        )

    prompt = render()
    tokens = counter.count(system) + counter.count(prompt)
    while tokens > budget_tokens and (turns or len(kept_sections) > 1):
        if turns:
            # Fold the oldest user/assistant pair together so the summary reads as exchanges.
            take = 2 if len(turns) >= 2 else 1
            folded.extend(turns[:take])
            current_summary = summarise_turns(current_summary, turns[:take])
            turns = turns[take:]
        else:
            kept_sections.pop()
        prompt = render()
        tokens = counter.count(system) + counter.count(prompt)
    return BuiltPrompt(template, system, prompt, kept_sections, turns, current_summary, folded, tokens)
