"""Follow-ups: "and the second one?", "why?", "is it well paid?" after an answer.

Two halves of one contract, kept together: after an answer, `answer_context` records what the answer
listed (in the order it named them) and what it was mainly about, in the assistant message's
`context` JSONB; on the next question, `resolve_follow_up` reads that context back and rewrites a
bare ordinal or a dangling "why?" into a question retrieval can use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aptichat.intents import Intent

# Only the things a list in this kind of answer is made of count as items, so "the second one"
# after a careers answer is a career, not a trait its reasons happened to mention.
ITEM_PREFIXES: dict[Intent, tuple[str, ...]] = {
    Intent.CAREERS: ("careers:", "job:"),
    Intent.MAJORS: ("majors:", "major:"),
    Intent.PERSONALITY: ("personality:", "interests:"),
    Intent.THINKING_SKILLS: ("skills:",),
}

_ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "fourth": 3,
    "4th": 3,
    "fifth": 4,
    "5th": 4,
    "sixth": 5,
    "6th": 5,
}
_ORDINAL_RE = re.compile(
    r"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last)\b"
    r"|(?:number|no\.?|#)\s*(\d{1,2})\b",
    re.I,
)
_MORE_RE = re.compile(
    r"^\s*(and\s+)?(why|why\s+(is\s+)?that|why\s+so|how\s+come|tell me more|more|say more|explain"
    r"|explain (that|more|why)|what do you mean|can you elaborate|elaborate|go on|more about (that|it|this)"
    r"|what about (that|it)|and (that|it))\s*\??\s*$",
    re.I,
)
# Short questions with a dangling reference ("is it well paid?") inherit the previous focus.
_PRONOUN_RE = re.compile(r"\b(it|that|this|that one|this one|them|those)\b", re.I)


@dataclass(frozen=True)
class ResolvedQuestion:
    """The question as retrieval should see it, after follow-up resolution."""

    text: str
    original: str
    is_follow_up: bool = False
    intent: Intent | None = None
    pinned_section_ids: tuple[str, ...] = ()
    focus_title: str | None = None


def _items(context: Mapping[str, Any]) -> list[dict[str, str]]:
    raw = context.get("items") or []
    return [item for item in raw if isinstance(item, dict) and item.get("section_id")]


def resolve_follow_up(question: str, previous: Mapping[str, Any] | None) -> ResolvedQuestion:
    """Rewrite "and the second one?" / "why?" using the last assistant message's stored context.

    `previous` is that message's `context` JSONB: {"intent", "items": [{"section_id", "title"}],
    "focus": {"section_id", "title"}, "question"}. Without it the question stands as asked.
    """
    if not previous:
        return ResolvedQuestion(question, question)
    items = _items(previous)
    prev_intent_raw = str(previous.get("intent") or "")
    prev_intent = Intent(prev_intent_raw) if prev_intent_raw in Intent._value2member_map_ else None
    words = len(question.split())

    match = _ORDINAL_RE.search(question)
    if match and items and words <= 12:
        word = (match.group(1) or "").lower()
        if word == "last":
            index = len(items) - 1
        elif word:
            index = _ORDINALS[word]
        else:
            index = int(match.group(2)) - 1
        if 0 <= index < len(items):
            item = items[index]
            title = item.get("title") or item["section_id"]
            # The title goes first: it carries the meaning the bare ordinal lacks for retrieval.
            return ResolvedQuestion(
                text=f"{title}. {question}",
                original=question,
                is_follow_up=True,
                intent=prev_intent,
                pinned_section_ids=(item["section_id"],),
                focus_title=title,
            )

    focus = previous.get("focus") if isinstance(previous.get("focus"), dict) else None
    focus = focus or (items[0] if items else None)
    if focus and (_MORE_RE.match(question) or (words <= 6 and _PRONOUN_RE.search(question))):
        title = focus.get("title") or focus.get("section_id", "")
        last_question = str(previous.get("question") or "")
        return ResolvedQuestion(
            text=f"{question} About {title}. {last_question}".strip(),
            original=question,
            is_follow_up=True,
            intent=prev_intent,
            pinned_section_ids=(focus["section_id"],),
            focus_title=title,
        )
    return ResolvedQuestion(question, question)


def follow_up_context(
    intent: Intent, question: str, items: Sequence[tuple[str, str]], focus: tuple[str, str] | None
) -> dict[str, Any]:
    """The `context` JSONB stored with an assistant message, read back by `resolve_follow_up`."""
    context: dict[str, Any] = {
        "intent": intent.value,
        "question": question[:300],
        "items": [{"section_id": sid, "title": title} for sid, title in items],
    }
    if focus is not None:
        context["focus"] = {"section_id": focus[0], "title": focus[1]}
    return context


def answer_context(
    intent: Intent,
    question: str,
    answer_text: str,
    sections: Iterable[tuple[str, str]],
    cited: Sequence[tuple[str, str]],
) -> dict[str, Any]:
    """What "the second one" / "why?" will refer to: the items in the order the answer names them.

    `sections` are (section_id, title) of everything the answer could have named (the person's
    chunks and the prompt's sections); `cited` are (section_id, title) of its citations, in order.
    """
    prefixes = ITEM_PREFIXES.get(intent)
    candidates: dict[str, str] = {}
    for sid, title in sections:
        if not _overview(sid) and (prefixes is None or sid.startswith(prefixes)):
            candidates.setdefault(sid, title)
    lowered = answer_text.casefold()
    positions: list[tuple[int, str, str]] = []
    for section_id, title in candidates.items():
        name = _display_name(title)
        if len(name) < 3:
            continue
        at = lowered.find(name.casefold())
        if at >= 0:
            positions.append((at, section_id, name))
    positions.sort()
    items = [(sid, name) for _, sid, name in positions]
    if not items:  # the answer named nothing: fall back to what it cited
        items = [(sid, _display_name(title)) for sid, title in cited if sid in candidates]
    lead = next(((sid, title) for sid, title in cited if not _overview(sid)), None)
    focus = (lead[0], _display_name(lead[1])) if lead else (items[0] if items else None)
    return follow_up_context(intent, question, items[:10], focus)


def _overview(section_id: str) -> bool:
    return section_id.endswith(":overview")


def _display_name(title: str) -> str:
    """'2. Medical Scientist' -> 'Medical Scientist'; 'Realistic interests (R)' -> 'Realistic interests'."""
    name = re.sub(r"^\s*\d+\.\s*", "", title)
    return re.sub(r"\s*\([A-Z]\)\s*$", "", name).strip()
