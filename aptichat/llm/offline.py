"""The offline composer: grounded, cited, templated answers with no model and no network.

It is the default without a Gemini key and the fallback when Gemini fails. It answers like an
advisor: the direct answer first, then the concrete points behind it (each cited), then a next step.
Careers and majors are answered from the ranked recommendations (top-ranked first, with the reasons
each section gives); other questions lead with the sentence of the most relevant section that best
answers them. Only whole sentences are used, enumerated lists are never split at their "2.", and
nothing is said twice. Deterministic: same request, same answer.

What to say is chosen in `ranking` (sections, sentences, recommendations), how it is worded is in
`offline_phrases`; this module assembles the answer and fits it into the length limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from aptichat.llm import offline_phrases as P
from aptichat.llm import offline_questions as Q
from aptichat.llm.offline_questions import Draft as _Draft
from aptichat.llm.ranking import (
    Ranked,
    RankedItem,
    gist,
    point_parts,
    ranked_items,
    select_sections,
)
from aptichat.llm.text import (
    MAX_SENTENCE_CHARS,
    clip,
    ensure_period,
    join_names,
    keywords,
    limit_text,
    mentions,
    ordinal,
    question_keywords,
    same_thing,
    sentences,
    word_pieces,
    words,
)
from aptichat.llm.types import AnswerRequest, ContextSection, GeneratedAnswer, cited_numbers

MAX_RANKED_POINTS = 3


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
        """The answer text for `request`, within `request.max_chars`. A general question about the
        test itself (does it decide my future, can results change, how reliable) is answered first
        with what the results are and are not, then with the person's results as usual."""
        if request.intent == "general_guidance" and P.ABOUT_THE_TEST_QUESTION.search(request.question):
            # what the guides say about it, cited: results shift over time, scores carry measurement error
            grounds = "\n".join(f"- {line}" for line in Q.about_the_test_grounds(request))
            intro = f"{P.ABOUT_THE_TEST}\n\n{grounds}" if grounds else P.ABOUT_THE_TEST
            room = request.max_chars - len(intro) - 2
            if room > 200:
                body = self._compose_text(request.model_copy(update={"max_chars": room}))
                return f"{intro}\n\n{body}"
        return self._compose_text(request)

    def _compose_text(self, request: AnswerRequest) -> str:
        intent = request.intent
        if intent == "smalltalk":
            return limit_text(_smalltalk(request.question), request.max_chars)
        if intent == "out_of_scope":
            return limit_text(P.OUT_OF_SCOPE, request.max_chars)
        gap_note = P.gap_note(request.intent, request.gaps)
        next_step = P.NEXT_STEPS.get(intent, P.NEXT_STEPS["general_guidance"])
        if request.question_type == "multi_part" and len(request.parts) >= 2:
            return self._multi_part(request)
        if gap_note is not None and request.question_type == "worry":
            # a worry about a missing document: say so, then what the other results say about it
            worried = Q.worry_draft(request, gap_note)
            if worried is not None:
                return self._fit(request.max_chars, worried)
        if gap_note is None:
            typed = self._typed_draft(request)
            if typed is not None:
                return self._fit(request.max_chars, typed)
            draft = self._ranked_draft(request, next_step)
            if draft is not None:
                return self._fit(request.max_chars, draft)
        chosen = self.select_sections(request)
        if not chosen:
            if gap_note:
                suggestion = P.GAP_ONLY.format(suggestion=P.suggest_others(request.gaps))
                return limit_text(f"{gap_note} {suggestion}", request.max_chars)
            return limit_text(P.NO_SECTIONS, request.max_chars)
        question_words = question_keywords(request.question)
        lead_section, *others = chosen
        lead_sentences = gist(lead_section, question_words, said=[], limit=MAX_SENTENCE_CHARS)
        said = list(lead_sentences)
        lead = f"{' '.join(lead_sentences)} [{lead_section.n}]"
        if not lead_section.document_type.startswith(("catalog_", "scale_guide")) and not gap_note:
            head = ""
        else:
            source = P.SOURCE_LABELS.get(lead_section.document_type, "your results")
            lead = f"According to {source}: {lead}"
            head = P.GAP_GENERAL if gap_note else ""
        points = self._points(others, question_words, said)
        if gap_note:
            next_step = f"{P.suggest_others(request.gaps)} {P.GAP_FOLLOW_UP}"
        head = " ".join(p for p in (gap_note, head) if p)
        transition = P.TRANSITIONS.get(intent, P.TRANSITIONS["general_guidance"])
        # an overview naming one strongest area, when others are within the measurement error of it
        close = Q.close_to_strongest(request) if lead_section.section_id.endswith(":overview") else None
        tail = [close] if close else []
        return self._fit(request.max_chars, _Draft(head, lead, transition, points, tail, next_step))

    def _fit(self, max_chars: int, draft: _Draft) -> str:
        # Drop the least relevant points first, then the extras, then the next step, then clip the
        # lead: the direct answer is the last thing to give up.
        points, tail, next_step = list(draft.points), list(draft.tail), draft.next_step
        while True:
            parts = [p for p in (draft.head, draft.lead) if p]
            if points:
                parts.append("\n".join([draft.transition, *points] if draft.transition else points))
            parts.extend(tail)
            if next_step:
                parts.append(next_step)
            text = "\n\n".join(parts)
            if len(text) <= max_chars:
                return text
            if tail:
                tail = tail[:-1]
            elif points:
                points = points[:-1]
            elif next_step:
                next_step = ""
            else:
                return self._clip_lead(max_chars, draft.head, draft.lead)

    @staticmethod
    def _clip_lead(max_chars: int, head: str, lead: str) -> str:
        """The lead alone, cut to whole sentences (words of the first one if none fits), citations kept."""
        match = re.search(r"(\s*\[\d+\])+$", lead) or re.search(r"\s*\[\d+\]", lead)
        citation = match.group(0).strip() if match else ""
        body = lead[: match.start()] if match and match.end() == len(lead) else lead
        prefix = f"{head}\n\n" if head and len(head) < max_chars // 2 else ""
        room = max(20, max_chars - len(prefix) - len(citation) - 1)
        return f"{prefix}{limit_text(body.strip(), room)} {citation}".rstrip()[:max_chars]

    # -- question types -------------------------------------------------------------------------

    _TYPED = {
        "compare": Q.compare_draft,
        "why_not": Q.why_not_draft,
        "worry": Q.worry_draft,
        "next_steps": Q.next_steps_draft,
        "specific_scale": Q.scale_draft,
    }

    def _typed_draft(self, request: AnswerRequest) -> _Draft | None:
        """The answer shaped by what is asked (offline_questions), or None for the generic answer."""
        if request.question_type in ("general", "explain", "specific_scale") and Q.superlative(request.question):
            ranked = Q.superlative_draft(request)  # "which is my strongest / weakest ..."
            if ranked is not None:
                return ranked
        if request.question_type in ("general", "explain") and Q.asks_overview(request.question):
            summary = Q.overview_draft(request)  # "explain the overview of my test", "sum it up"
            if summary is not None:
                return summary
        build = self._TYPED.get(request.question_type)
        return build(request) if build is not None else None

    def _multi_part(self, request: AnswerRequest) -> str:
        """Each part answered in turn from the same sections, one next step at the end."""
        share = max(200, request.max_chars // len(request.parts) - 4)
        answers: list[str] = []
        said: set[str] = set()
        by_part = any(part.scales for part in request.parts)  # else every part may use every scale named
        for i, part in enumerate(request.parts):
            named = [item for item in request.named_items if mentions(keywords(part.text), item.title)]
            kind = {"careers": "career", "majors": "major"}.get(str(part.intent))
            if not named and kind:  # "... for civil engineering": the item the understanding resolved
                named = [item for item in request.named_items if item.kind == kind]
            sub = request.model_copy(
                update={
                    "question": part.text,
                    "intent": part.intent,
                    "question_type": part.question_type,
                    "parts": [],
                    "named_items": named,
                    # each part its own scales ("my openness ... and how do they fit research jobs")
                    "scales": [s for s in part.scales if s in request.scales] if by_part else request.scales,
                    "max_chars": share,
                }
            )
            text = self.compose_text(sub)
            if i < len(request.parts) - 1 and "\n\n" in text:
                text = text.rsplit("\n\n", 1)[0]  # the next step, once, at the very end
            # what an earlier part already said (a block, or a result's line) is not said again
            fresh = []
            for block in text.split("\n\n"):
                lines = [line for line in block.split("\n") if _said_key(line) not in said]
                emptied = len(lines) < block.count("\n") + 1 and lines and lines[-1].endswith(":")
                if block in said or not lines or emptied:  # (a heading whose lines were all said)
                    continue
                fresh.append("\n".join(lines))
            said.update(fresh)
            said.update(_said_key(line) for block in fresh for line in block.split("\n") if line.startswith("- "))
            if fresh:
                answers.append("\n\n".join(fresh))
        return limit_text("\n\n".join(answers), request.max_chars)

    # -- careers and majors ---------------------------------------------------------------------

    def _ranked_draft(self, request: AnswerRequest, next_step: str) -> _Draft | None:
        """Careers, majors and general guidance from the ranked recommendations: the top matches in
        rank order, then the reasons of the top 2-3 with their citations. None when the sections
        hold no recommendations in that format."""
        intent = request.intent
        if intent == "careers":
            kinds = ["career_recommendations"]
        elif intent == "majors":
            kinds = ["major_recommendations"]
        elif intent == "general_guidance":
            kinds = ["career_recommendations", "major_recommendations"]
        else:
            return None
        found = [r for kind in kinds if (r := ranked_items(request.sections, kind)) is not None]
        if not found:
            return None
        question_words = question_keywords(request.question)
        if intent == "general_guidance":
            return self._general_draft(request, found, question_words, next_step)
        ranked = found[0]
        named = {item.title.casefold() for item in request.named_items if item.rank is not None}
        focus = [item for item in ranked.by_rank() if item.title.casefold() in named] or [
            item for item in ranked.by_rank() if mentions(question_words, item.title)
        ]
        if focus and focus[0].section is not None:
            return self._focus_draft(request, ranked, focus[0], next_step)
        lead = self._ranked_lead(ranked)
        if lead is None:
            return None
        not_listed = self._not_listed(request, ranked, question_words)
        if not_listed is not None:
            lead = not_listed
        points = [self._ranked_point(item) for item in self._with_reasons(ranked, lead_only=True)]
        tail = self._catalog_about(request, question_words) if not_listed else []
        transition = P.TRANSITIONS[intent]
        return _Draft("", lead, transition, [p for p in points if p], tail, next_step)

    @staticmethod
    def _with_reasons(ranked: Ranked, lead_only: bool = False) -> list[RankedItem]:
        """Items whose reasons can be given, best first; with `lead_only`, only those the summary line
        names (`_ranked_lead`), so the details explain exactly the careers or majors it lists."""
        named = {id(item) for item in ranked.listed()[:MAX_RANKED_POINTS]}
        items = [item for item in ranked.by_rank() if item.section is not None and item.reasons]
        if lead_only:
            items = [item for item in items if id(item) in named]
        return items[:MAX_RANKED_POINTS]

    @staticmethod
    def _ranked_lead(ranked: Ranked, limit: int = 3) -> str | None:
        """'Your strongest career matches are A, B and C [n].' from the overview, else from the items."""
        top = ranked.listed()[:limit]
        if not top:
            return None
        if ranked.overview is not None:
            citation = f" [{ranked.overview.n}]"
            names = [item.title for item in top]
        else:
            citation = ""
            names = [f"{item.title} [{item.section.n}]" if item.section else item.title for item in top]
        if len(names) == 1:
            return P.RANKED_LEAD_ONE.format(noun=ranked.noun, name=names[0], citation=citation)
        return P.RANKED_LEAD.format(noun=ranked.noun, names=join_names(names), citation=citation)

    @staticmethod
    def _ranked_point(item: RankedItem) -> str | None:
        if item.section is None or not item.reasons:
            return None
        label = item.title if item.fit is None else f"{item.title} (fit {item.fit}%)"
        return f"- {label}: {' '.join(item.reasons)} [{item.section.n}]"

    def _focus_draft(self, request: AnswerRequest, ranked: Ranked, item: RankedItem, next_step: str) -> _Draft:
        """A question about one recommended career or major: where it ranks, why, what it is."""
        assert item.section is not None
        n = item.section.n
        place = "top" if item.rank == 1 else ordinal(item.rank)
        fit = f", with a fit of {item.fit}%" if item.fit is not None else ""
        lead = P.RANKED_FOCUS.format(title=item.title, place=place, noun=ranked.noun, fit=fit, citation=f" [{n}]")
        points = [f"- {reason} [{n}]" for reason in item.reasons]
        tail = []
        if item.about:
            tail.append(
                P.RANKED_ABOUT.format(kind="work" if ranked.noun == "career" else "major", text=item.about) + f" [{n}]"
            )
        others = [other for other in ranked.listed() if other is not item][:2]
        if others and ranked.overview is not None:
            tail.append(
                P.RANKED_OTHERS.format(names=join_names([o.title for o in others]), citation=f" [{ranked.overview.n}]")
            )
        return _Draft("", lead, P.RANKED_WHY_ONE, points, tail, next_step)

    @staticmethod
    def _not_listed(request: AnswerRequest, ranked: Ranked, question_words: set[str]) -> str | None:
        """When the question names a catalog career or major that is not on the person's list, say so."""
        if ranked.overview is None:
            return None
        catalog = "catalog_job" if ranked.noun == "career" else "catalog_major"
        for section in request.sections:
            if section.document_type == catalog and mentions(question_words, section.title):
                if section.title.casefold() in ranked.items:
                    return None
                top = [item.title for item in ranked.listed()[:3]]
                return P.RANKED_NOT_LISTED.format(
                    title=section.title, noun=ranked.noun, names=join_names(top), citation=f" [{ranked.overview.n}]"
                )
        return None

    @staticmethod
    def _catalog_about(request: AnswerRequest, question_words: set[str]) -> list[str]:
        for section in request.sections:
            if section.document_type in ("catalog_job", "catalog_major") and mentions(question_words, section.title):
                text = " ".join(s for s in sentences(section.text)[:2] if not same_thing(s, section.title))
                if text:
                    kind = "work" if section.document_type == "catalog_job" else "major"
                    return [P.RANKED_ABOUT.format(kind=kind, text=ensure_period(clip(text))) + f" [{section.n}]"]
        return []

    def _general_draft(
        self, request: AnswerRequest, found: list[Ranked], question_words: set[str], next_step: str
    ) -> _Draft:
        """General guidance: the top careers (and majors) first, then what stands out about the person."""
        leads: list[str] = []
        for ranked in found:
            lead = self._ranked_lead(ranked)
            if lead is None:
                continue
            if leads and ranked.noun == "major":
                lead = lead.replace("Your strongest major matches are", "The majors that fit you best are")
            leads.append(lead)
        points: list[str] = []
        for ranked in found:
            top = self._with_reasons(ranked, lead_only=True)[:1]
            points.extend(p for item in top if (p := self._ranked_point(item)))
        rest = [s for s in request.sections if s.document_type not in P.NOUNS]
        others = self.select_sections(request.model_copy(update={"sections": rest})) if rest else []
        points.extend(self._points(others, question_words, []))
        return _Draft("", " ".join(leads), P.TRANSITIONS["general_guidance"], points[:4], [], next_step)

    # -- supporting points ----------------------------------------------------------------------

    def _points(self, sections: Sequence[ContextSection], question_words: set[str], said: list[str]) -> list[str]:
        """One bullet per supporting section, never repeating the lead or each other: sections whose
        telling sentence is the same ("This is a clear strength ...") share one bullet."""
        entries: list[tuple[list[str], str, list[int]]] = []  # labels, body, citation numbers
        lead_said = list(said)
        for section in sections:
            first = point_parts(section, question_words, lead_said)
            if first is None:
                continue
            label, body = first
            twin = next((e for e in entries if label and e[0] and same_thing(body, e[1])), None)
            if twin is not None:
                twin[0].append(label)
                twin[2].append(section.n)
                continue
            parts = point_parts(section, question_words, said)
            if parts is None:
                continue
            label, body = parts
            said.extend(sentences(body))
            entries.append(([label] if label else [], body, [section.n]))
        bullets = []
        for labels, body, numbers in entries:
            citation = f"[{', '.join(str(n) for n in numbers)}]"
            bullets.append(f"- {join_names(labels)}: {body} {citation}" if labels else f"- {body} {citation}")
        return bullets

    def select_sections(self, request: AnswerRequest) -> list[ContextSection]:
        """The 2-4 most relevant sections, best first (fewer when fewer are relevant or provided)."""
        return select_sections(request)


def _said_key(line: str) -> str:
    """A result's line as compared across the parts of an answer (punctuation and citations aside)."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"\[[\d, ]+\]", "", line.casefold())) if line.startswith("- ") else line


def _smalltalk(question: str) -> str:
    said = set(words(question, split_hyphens=False))
    if said & {
        "thanks",
        "thank",
        "thx",
        "ty",
        "tysm",
        "cheers",
        "appreciate",
        "merci",
        "gracias",
        "danke",
        "grazie",
        "obrigado",
        "obrigada",
        "dankjewel",
        "salamat",
        "shukriya",
        "makasih",
    }:
        return P.SMALLTALK_THANKS
    if said & {"bye", "goodbye", "later"}:
        return P.SMALLTALK_BYE
    return P.SMALLTALK_GREETING
