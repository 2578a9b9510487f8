"""Calling the answer generator and cleaning what comes back.

Whatever the provider returns, the person gets: only citations that point at sections we provided,
an answer that ends at a sentence boundary within the length limit, a note when the question is
about something their test did not measure, and the offline composer's answer (degraded=True) when
the provider fails or answers unfaithfully twice (`aptichat.llm.fallback.OfflineFallback` decides that,
here and everywhere else, checking the provider's raw text before the cleaning here could hide a
dangling citation). Streaming applies the same rules sentence by sentence, so the streamed text and
the final answer agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from aptichat.llm.errors import RetryableError
from aptichat.llm.fallback import OfflineFallback, with_offline_fallback
from aptichat.llm.offline import OfflineComposer
from aptichat.llm.types import AnswerGenerator, AnswerRequest, ContextSection, GeneratedAnswer, cited_numbers

_CITATION_GROUP = re.compile(r"\s?\[(\d+(?:\s*,\s*\d+)*)\]")
# A sentence end (with its citations) or a line break; the "2." of an enumerated list is not one,
# so an answer is never cut between a list number and its item.
_SENTENCE_BOUNDARY = re.compile(
    r"(?<![\s(]\d)(?<![\s(]\d\d)(?<!^\d)(?<!^\d\d)[.!?](?:\s*\[\d+(?:\s*,\s*\d+)*\])*(?=\s|$)|\n"
)

GAP_LABELS = {
    "personality_profile": "your personality and interests",
    "thinking_skills": "your thinking skills",
    "career_recommendations": "career recommendations",
    "major_recommendations": "major recommendations",
}
INTENT_GAP = {
    "personality": "personality_profile",
    "thinking_skills": "thinking_skills",
    "careers": "career_recommendations",
    "majors": "major_recommendations",
}


def strip_unknown_citations(text: str, allowed: set[int]) -> str:
    """Keep [n] only for provided sections; "[2, 9]" with 9 unknown becomes "[2]", "[9]" goes."""

    def keep(match: re.Match[str]) -> str:
        numbers = [int(p) for p in match.group(1).split(",")]
        valid = [n for n in dict.fromkeys(numbers) if n in allowed]
        if not valid:
            return ""
        lead = match.group(0)[: len(match.group(0)) - len(match.group(0).lstrip())]
        return f"{lead}[{', '.join(str(n) for n in valid)}]"

    return _CITATION_GROUP.sub(keep, text)


def bound_length(text: str, max_chars: int) -> str:
    """`text` cut at the last sentence boundary within `max_chars` (a word boundary + "…" if none)."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    window = text[:max_chars]
    ends = [m.end() for m in _SENTENCE_BOUNDARY.finditer(window)]
    if ends and ends[-1] >= max_chars // 3:
        return window[: ends[-1]].rstrip()
    return window[: max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def gap_sentence(intent: str, gaps: dict[str, str]) -> str | None:
    """The sentence that must appear when the asked-about document is missing, else None."""
    doc = INTENT_GAP.get(intent)
    if doc is None or doc not in gaps:
        return None
    # The ETL writes readable reasons ("your thinking skills were not measured in this test").
    reason = (gaps[doc] or "").strip().rstrip(".")
    if not reason:
        reason = f"{GAP_LABELS.get(doc, doc.replace('_', ' '))} are not available for you yet"
    return f"Please note: {reason}."


def ensure_gap_note(text: str, intent: str, gaps: dict[str, str]) -> str:
    """Prepend the gap sentence unless the answer already says it (the offline composer does)."""
    sentence = gap_sentence(intent, gaps)
    if sentence is None:
        return text
    reason = (gaps.get(INTENT_GAP.get(intent, ""), "") or "").strip().rstrip(".").casefold()
    if (reason and reason in text.casefold()) or re.search(r"not (measured|available)|don't have your", text, re.I):
        return text
    return f"{sentence}\n\n{text}"


def finalise(answer: GeneratedAnswer, request: AnswerRequest) -> GeneratedAnswer:
    """Citations restricted to the request's sections, length bound, gap note ensured."""
    allowed = {s.n for s in request.sections}
    text = strip_unknown_citations(answer.text, allowed)
    text = ensure_gap_note(text, request.intent, request.gaps)
    text = bound_length(text, request.max_chars)
    return answer.model_copy(update={"text": text, "citations": cited_numbers(text, request.sections)})


class SentenceFilter:
    """Streams text only in whole sentences, cleaned like `finalise`, and stops at the length limit."""

    def __init__(self, sections: Sequence[ContextSection], max_chars: int) -> None:
        self.allowed = {s.n for s in sections}
        self.max_chars = max_chars
        self.buffer = ""
        self.emitted = ""
        self.full = False

    def feed(self, piece: str) -> Iterator[str]:
        self.buffer += piece
        ends = [m.end() for m in _SENTENCE_BOUNDARY.finditer(self.buffer)]
        # A sentence ending at the very end of the buffer may still get its citation "[n]".
        ends = [e for e in ends if e < len(self.buffer)]
        if ends:
            ready, self.buffer = self.buffer[: ends[-1]], self.buffer[ends[-1] :]
            yield from self._emit(ready)

    def flush(self) -> Iterator[str]:
        ready, self.buffer = self.buffer, ""
        yield from self._emit(ready)

    def _emit(self, ready: str) -> Iterator[str]:
        if self.full or not ready:
            return
        clean = strip_unknown_citations(ready, self.allowed)
        if len(self.emitted) + len(clean) > self.max_chars:
            self.full = True
            clean = bound_length(clean, max(0, self.max_chars - len(self.emitted)))
            if not clean or (clean.endswith("…") and len(clean) < 20):
                return
        self.emitted += clean
        yield clean


class AnswerPipeline:
    """The configured generator behind the offline fallback, with post-processing."""

    def __init__(self, generator: AnswerGenerator | None = None) -> None:
        self.generator: OfflineFallback = with_offline_fallback(generator or OfflineComposer())

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        return finalise(self.generator.generate(request), request)

    def stream(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """Clean text pieces, then the final GeneratedAnswer whose text is exactly what was streamed."""
        filt = SentenceFilter(request.sections, request.max_chars)
        # When the question is about a missing document, hold the first ~300 characters back to
        # see whether the provider mentions the gap itself; if not, the gap sentence goes first.
        note = gap_sentence(request.intent, request.gaps)
        held = ""
        final: GeneratedAnswer | None = None
        for piece in self.generator.stream_answer(request):
            if isinstance(piece, GeneratedAnswer):
                final = piece
                break
            if note is None:
                yield from filt.feed(piece)
                continue
            held += piece
            if len(held) >= 300:  # enough to see whether the provider said it
                yield from filt.feed(ensure_gap_note(held, request.intent, request.gaps))
                note, held = None, ""
        if held:
            yield from filt.feed(ensure_gap_note(held, request.intent, request.gaps) if note else held)
        yield from filt.flush()
        text = filt.emitted.strip()
        if final is None:
            final = GeneratedAnswer(text=text, provider=self.generator.name)
        if not text:  # nothing usable survived the cleaning: the offline answer, whole
            done = finalise(self.generator.degrade(request, RetryableError("empty answer")), request)
            yield done.text
            yield done
            return
        yield final.model_copy(update={"text": text, "citations": cited_numbers(text, request.sections)})
