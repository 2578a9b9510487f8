"""The offline composer: grounded, cited, templated answers with no model and no network.

It is the default without a Gemini key and the fallback when Gemini fails. It picks the 2-4 most
relevant sections, leads with the sentence that best answers the question, backs it with one point
from each other section, and ends with a next step. Deterministic: same request, same answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aptichat.llm import offline_phrases as P
from aptichat.llm.types import AnswerRequest, ContextSection, GeneratedAnswer, cited_numbers

_WORD = re.compile(r"[a-z][a-z'-]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")
# A word list reads better as text than as a 90-line literal.
_STOPWORDS = frozenset(
    (  # noqa: SIM905
        "the and for are but not you your yours with what which who whom this that these those have has "
        "had was were will would could should can may might does did doing from into about over than "
        "then them they their there here how why when where all any some more most very much many also "
        "just only own same so too its it's i'm me my mine our out off our get got tell show give know "
        "like want please "
    ).split()
)
MIN_SECTIONS, MAX_SECTIONS = 2, 4
MAX_SENTENCE_CHARS = 320


def _stem(word: str) -> str:
    # Crude but deterministic: "strengths"/"strength", "working"/"work" meet in the middle.
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def keywords(text: str) -> set[str]:
    """Content words of `text`, lower-cased and stemmed."""
    return {_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 2}


def sentences(text: str) -> list[str]:
    """The sentences (or list lines) of a section, without markdown bullets and headings."""
    out = []
    for raw in _SENTENCE_END.split(text):
        line = raw.strip().lstrip("-*#> ").strip()
        if len(line) >= 3:
            out.append(line)
    return out


def _clip(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> str:
    if len(sentence) <= limit:
        return sentence
    return sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def _limit(text: str, max_chars: int) -> str:
    """Whole sentences of a fixed message while they fit; words of the first one if none does."""
    if len(text) <= max_chars:
        return text
    kept = ""
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > max_chars:
            break
        kept = candidate
    return kept or _clip(text, max_chars - 3)


def _ensure_period(sentence: str) -> str:
    return sentence if sentence[-1:] in ".!?" else sentence + "."


class OfflineComposer:
    """Answers from the provided sections only; see the module docstring."""

    name = "offline"

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        """The composed answer (never raises for well-formed requests)."""
        text = self.compose_text(request)
        return GeneratedAnswer(text=text, citations=cited_numbers(text, request.sections), provider=self.name)

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """The same answer in word pieces, then the GeneratedAnswer."""
        answer = self.generate(request)
        yield from word_pieces(answer.text)
        yield answer

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The answer text in word pieces."""
        yield from word_pieces(self.generate(request).text)

    # -- composition ---------------------------------------------------------------------------

    def compose_text(self, request: AnswerRequest) -> str:
        """The answer text for `request`, within `request.max_chars`."""
        intent = request.intent
        if intent == "smalltalk":
            return _limit(_smalltalk(request.question), request.max_chars)
        if intent == "out_of_scope":
            return _limit(P.OUT_OF_SCOPE, request.max_chars)
        gap_note = self._gap_note(request)
        chosen = self.select_sections(request)
        if not chosen:
            if gap_note:
                suggestion = P.GAP_ONLY.format(suggestion=self._suggest_others(request))
                return _limit(f"{gap_note} {suggestion}", request.max_chars)
            return _limit(P.NO_SECTIONS, request.max_chars)
        question_words = keywords(request.question)
        lead_section, *others = chosen
        lead = self._lead(lead_section, question_words)
        source = P.SOURCE_LABELS.get(lead_section.document_type, "your results")
        head = P.GAP_GENERAL if gap_note else P.OPENERS.get(intent, P.OPENERS["general_guidance"])
        lead_line = f"According to {source}: {lead} [{lead_section.n}]"
        bullets = [f"- {s.title}: {_ensure_period(self._points(s, question_words, 1)[0])} [{s.n}]" for s in others]
        next_step = P.NEXT_STEPS.get(intent, P.NEXT_STEPS["general_guidance"])
        if gap_note:
            next_step = f"{self._suggest_others(request)} {P.GAP_FOLLOW_UP}"
        return self._fit(request.max_chars, gap_note, head, lead_line, intent, bullets, next_step)

    def _fit(
        self,
        max_chars: int,
        gap_note: str | None,
        head: str,
        lead_line: str,
        intent: str,
        bullets: list[str],
        next_step: str,
    ) -> str:
        # Drop the least relevant points first, then the next step, then clip the lead: the direct
        # answer is the last thing to give up.
        transition = P.TRANSITIONS.get(intent, P.TRANSITIONS["general_guidance"])
        while True:
            parts = [" ".join(p for p in (gap_note, head) if p), lead_line]
            if bullets:
                parts.append(transition + "\n" + "\n".join(bullets))
            if next_step:
                parts.append(next_step)
            text = "\n\n".join(parts)
            if len(text) <= max_chars:
                return text
            if bullets:
                bullets = bullets[:-1]
            elif next_step:
                next_step = ""
            else:
                citation = lead_line[lead_line.rindex(" [") :]
                room = max(20, max_chars - len(parts[0]) - len(citation) - 2)
                return f"{parts[0]}\n\n{_clip(lead_line[: -len(citation)], room)}{citation}"[:max_chars]

    def select_sections(self, request: AnswerRequest) -> list[ContextSection]:
        """The 2-4 most relevant sections, best first (fewer when fewer are relevant or provided)."""
        if not request.sections:
            return []
        question_words = keywords(request.question)
        preferred = P.INTENT_TYPES.get(request.intent, ())
        total = len(request.sections)
        scored = []
        for rank, section in enumerate(request.sections):
            title_words, body_words = keywords(section.title), keywords(section.text)
            overlap = 2 * len(question_words & title_words) + len(question_words & body_words)
            # Saturating: a catalog entry named exactly like the question must not drown out the
            # person's own document that mentions it; that one says *why*.
            relevance = 4.0 * (1 - 0.5**overlap)
            if overlap and not section.document_type.startswith(("catalog_", "scale_guide")):
                relevance += 1.0
            doc_type = section.document_type
            affinity = len(preferred) - preferred.index(doc_type) if doc_type in preferred else 0
            # The retriever's order is evidence too: a small prior that breaks ties in its favour.
            prior = (total - rank) / total
            scored.append((relevance + 1.5 * affinity + prior, -rank, section, overlap))
        if self._gap_note(request):
            # The documents this question is about are missing: only background that talks about the
            # question may stand in for them, never an unrelated part of the person's results.
            scored = [item for item in scored if item[2].document_type in preferred[1:] and item[3] > 0]
            if not scored:
                return []
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        best = scored[0][0]
        keep = [item[2] for item in scored if item[0] >= best * 0.5][:MAX_SECTIONS]
        if len(keep) < MIN_SECTIONS:
            keep = [item[2] for item in scored[:MIN_SECTIONS]]
        return keep

    def _points(self, section: ContextSection, question_words: set[str], count: int) -> list[str]:
        """The `count` sentences of `section` that best match the question (earlier ones win ties)."""
        candidates = sentences(section.text) or [section.title]
        ranked = sorted(
            enumerate(candidates),
            key=lambda item: (-len(question_words & keywords(item[1])), item[0]),
        )
        return [_clip(s) for _, s in ranked[:count]]

    def _lead(self, section: ContextSection, question_words: set[str]) -> str:
        """The best sentence of the best section, with the sentence after it when that fits: the
        sentence after a claim is usually its reason ("... Nurse. It suits your Social interests.")."""
        candidates = sentences(section.text) or [section.title]
        best = self._points(section, question_words, 1)[0]
        lead = _ensure_period(best)
        position = candidates.index(best) if best in candidates else len(candidates)
        if position + 1 < len(candidates):
            follow = _ensure_period(candidates[position + 1])
            if len(lead) + len(follow) < MAX_SENTENCE_CHARS:
                lead = f"{lead} {follow}"
        return lead

    def _gap_note(self, request: AnswerRequest) -> str | None:
        gap_type = P.INTENT_GAP_TYPE.get(request.intent)
        if gap_type and gap_type in request.gaps:
            reason = request.gaps[gap_type].strip().rstrip(".") or "it is not available"
            label = P.GAP_LABELS.get(gap_type, gap_type.replace("_", " "))
            if label in reason.lower():
                # The reason already names what is missing ("your thinking skills were not measured").
                return P.GAP_NOTE_SENTENCE.format(reason=reason[0].upper() + reason[1:])
            return P.GAP_NOTE.format(label=label, reason=reason)
        return None

    def _suggest_others(self, request: AnswerRequest) -> str:
        others = [label for doc, label in P.GAP_LABELS.items() if doc not in request.gaps]
        if not others:
            return "Once your results are in, I'll be able to help."
        listed = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " or " + others[-1]
        return P.SUGGEST_OTHERS.format(others=listed)


def _smalltalk(question: str) -> str:
    words = set(_WORD.findall(question.lower()))
    if words & {"thanks", "thank", "thx", "cheers", "appreciate"}:
        return P.SMALLTALK_THANKS
    if words & {"bye", "goodbye", "later"}:
        return P.SMALLTALK_BYE
    return P.SMALLTALK_GREETING


def word_pieces(text: str) -> Iterator[str]:
    """`text` as words with their trailing whitespace; the pieces concatenate back to `text`."""
    yield from (piece for piece in re.split(r"(?<=\s)(?=\S)", text) if piece)
