"""The offline composer's answers per question type: compare, why not, a worry, next steps, one scale.

`aptichat_api.rag.understanding` says what is asked (`AnswerRequest.question_type`, `named_items`,
`scales`) and brings the sections that answer it; each function here turns those sections into a
`Draft` (or None, when the sections cannot answer that way and the generic answer should). Every
number comes from a section and is cited where it is said. Two scores within `CLOSE_BAND` points of
each other are called close, never ranked: the guide to the scales says small differences (the
55th against the 60th percentile) are within every test's measurement error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aptichat.llm import offline_phrases as P
from aptichat.llm.ranking import Ranked, ranked_items
from aptichat.llm.text import clip, display_title, ensure_period, join_names, ordinal, sentences
from aptichat.llm.types import AnswerRequest, ContextSection, NamedItem

# Within this many points two scores (percentiles, fits) are called close rather than ranked.
CLOSE_BAND = 5


@dataclass
class Draft:
    """The parts of an answer, most important first, so the composer knows what to give up first."""

    head: str
    lead: str
    transition: str
    points: list[str]
    tail: list[str] = field(default_factory=list)
    next_step: str = ""


# -- facts stated by sections -------------------------------------------------------------------------

_PERCENTILE = re.compile(r"around the (\d{1,3})(?:st|nd|rd|th) percentile")
_LEVEL = re.compile(r"\b(?:score is|which is) (high|average|low)\b")
_OUT_OF_100 = re.compile(r"score is (\d{1,3}) out of 100")
_FIT = re.compile(r"(?:with a fit of|would have a fit of) (\d{1,3})%")


@dataclass(frozen=True)
class ScaleFact:
    """A person's result on one scale, as its section states it."""

    name: str
    value: int | None
    unit: str  # "percentile" or "out of 100"
    level: str | None
    section: ContextSection

    def phrase(self) -> str:
        if self.value is None:
            return self.level or "measured"
        figure = f"{ordinal(self.value)} percentile" if self.unit == "percentile" else f"{self.value} out of 100"
        return f"{figure}, {self.level}" if self.level else figure


def scale_fact(section: ContextSection) -> ScaleFact | None:
    """The result a personality, interest or thinking-skill section states, if it states one."""
    if section.document_type not in ("personality_profile", "thinking_skills"):
        return None
    if section.section_id.endswith((":overview", ":holland_code")):
        return None
    level = _LEVEL.search(section.text)
    level_word = level.group(1) if level else None
    if (m := _PERCENTILE.search(section.text)) is not None:
        return ScaleFact(display_title(section.title), int(m.group(1)), "percentile", level_word, section)
    if (m := _OUT_OF_100.search(section.text)) is not None:
        return ScaleFact(display_title(section.title), int(m.group(1)), "out of 100", level_word, section)
    if level_word:
        return ScaleFact(display_title(section.title), None, "percentile", level_word, section)
    return None


def _by_id(request: AnswerRequest) -> dict[str, ContextSection]:
    return {s.section_id: s for s in request.sections}


def _meaning(section: ContextSection) -> str | None:
    """What the result means for the person: the section's first sentence that is not the score."""
    for sentence in sentences(section.text):
        score = _PERCENTILE.search(sentence) or _OUT_OF_100.search(sentence) or " is about " in sentence
        if not score and not any(b in sentence.lower() for b in P.BOILERPLATE):
            return ensure_period(clip(sentence, 240))
    return None


def _close(a: int, b: int) -> bool:
    return abs(a - b) <= CLOSE_BAND


# -- compare ------------------------------------------------------------------------------------------


def _ranked_for(request: AnswerRequest, kind: str) -> Ranked | None:
    return ranked_items(request.sections, f"{kind}_recommendations")


def _item_row(request: AnswerRequest, item: NamedItem) -> tuple[str, int | None, list[int]] | None:
    """One side of a comparison: a line about the item, its fit, and the sections that line cites."""
    by_id = _by_id(request)
    sections = [by_id[sid] for sid in item.section_ids if sid in by_id]
    if not sections:
        return None
    ranked = _ranked_for(request, item.kind)
    own = ranked.items.get(item.title.casefold()) if ranked else None
    if own is not None and own.section is not None:
        place = "top" if own.rank == 1 else ordinal(own.rank)
        fit = f", fit {own.fit}%" if own.fit is not None else ""
        reasons = " ".join(own.reasons[:2])
        line = f"- {item.title}: your {place} {item.kind} match{fit}. {reasons}".rstrip() + f" [{own.section.n}]"
        return line, own.fit, [own.section.n]
    fit_section = next((s for s in sections if ":fit:" in s.section_id), None)
    catalog = next((s for s in sections if s.document_type.startswith("catalog_")), None)
    parts, cites, fit_value = [f"- {item.title}: not on your list of recommended {item.kind}s."], [], None
    if fit_section is not None:
        m = _FIT.search(fit_section.text)
        fit_value = int(m.group(1)) if m else None
        first = sentences(fit_section.text)[:2]
        parts.append(" ".join(first) + f" [{fit_section.n}]")
        cites.append(fit_section.n)
    if catalog is not None:
        parts.append(f"The work: {ensure_period(clip(sentences(catalog.text)[0], 200))} [{catalog.n}]")
        cites.append(catalog.n)
    return " ".join(parts), fit_value, cites


def compare_draft(request: AnswerRequest) -> Draft | None:
    """Two careers, majors or scales side by side, then which fits better, or that they are close."""
    items = request.named_items[:2]
    if len(items) == 2:
        rows = [_item_row(request, item) for item in items]
        if any(r is None for r in rows):
            return None
        (line_a, fit_a, cite_a), (line_b, fit_b, cite_b) = rows  # type: ignore[misc]
        a, b = items
        lead = f"Here are {a.title} and {b.title} side by side, from your results:"
        verdict = ""
        if fit_a is not None and fit_b is not None and a.kind == b.kind:  # a career's fit is no major's
            cites = ", ".join(str(n) for n in dict.fromkeys([*cite_a, *cite_b]))
            if _close(fit_a, fit_b):
                verdict = (
                    f"Their fits ({fit_a}% and {fit_b}%) are so close that the difference is within the test's "
                    f"measurement error: too close to call [{cites}]. Let what the work is like decide."
                )
            else:
                better, worse = (a, b) if fit_a > fit_b else (b, a)
                verdict = (
                    f"On your results {better.title} fits you better: a fit of {max(fit_a, fit_b)}% against "
                    f"{min(fit_a, fit_b)}% for {worse.title} [{cites}]."
                )
        next_step = P.NEXT_STEP_COMPARE.format(a=a.title, b=b.title)
        return Draft("", lead, "", [line_a, line_b], [verdict] if verdict else [], next_step)
    by_id = _by_id(request)
    facts = [f for sid in request.scales if sid in by_id and (f := scale_fact(by_id[sid])) is not None][:2]
    if len(facts) == 2:
        x, y = facts
        lines = [f"- {f.name}: {f.phrase()} [{f.section.n}]" for f in facts]
        verdict = ""
        if x.value is not None and y.value is not None and x.unit == y.unit:
            cites = f"[{x.section.n}, {y.section.n}]"
            if _close(x.value, y.value):
                verdict = (
                    f"{x.name} and {y.name} are so close that the difference is within the test's measurement "
                    f"error, so treat them as about the same {cites}."
                )
            else:
                hi = x if x.value > y.value else y
                verdict = f"{hi.name} is the stronger of the two on your results {cites}."
        lead = f"Your {x.name.lower()} and {y.name.lower()} results side by side:"
        return Draft("", lead, "", lines, [verdict] if verdict else [], P.NEXT_STEPS["thinking_skills"])
    return None


# -- why not ------------------------------------------------------------------------------------------


def _strongest_matches(request: AnswerRequest, kind: str) -> str:
    """ "Your strongest <kind> matches are A (84%), B and C [n]." from the list's overview, or ""."""
    ranked = _ranked_for(request, kind)
    top = ranked.listed()[:3] if ranked is not None else []
    overview = ranked.overview if ranked is not None else None
    if not top or overview is None:
        return ""
    figures = join_names([f"{i.title} ({i.fit}%)" if i.fit is not None else i.title for i in top])
    return f"Your strongest {kind} matches are {figures} [{overview.n}]."


def why_not_draft(request: AnswerRequest) -> Draft | None:
    """A career or major that is not on the person's list: the list, the computed fit and the
    interests that do not match, what the work is, and that their interest still counts."""
    kind = request.named_items[0].kind if request.named_items else ("major" if request.intent == "majors" else "career")
    if not request.named_items:
        if not request.unresolved:
            return None
        name = request.unresolved[0]
        lead = P.WHY_NOT_UNKNOWN.format(name=name, kind=kind)
        listed = _strongest_matches(request, kind)
        return Draft("", f"{lead} {listed}".strip(), "", [], [], P.WHY_NOT_NEXT.format(name=name))
    # "why chef and not accountant": the one asked about is the one not on the list
    unlisted = [i for i in request.named_items if i.rank is None]
    if not unlisted:
        return None  # it is on the list: the focus answer says where and why
    item = unlisted[0]
    kind = item.kind
    listed = _strongest_matches(request, kind)
    by_id = _by_id(request)
    fit_section = next((by_id[s] for s in item.section_ids if ":fit:" in s and s in by_id), None)
    mine = [by_id[s] for s in item.section_ids if s in by_id]
    catalog = next((s for s in mine if s.document_type.startswith("catalog")), None)
    lead = f"{P.WHY_NOT_LEAD.format(title=item.title, kind=kind)} {listed}".strip()
    points = _fit_points(request, kind, fit_section) if fit_section is not None else []
    tail = [
        line for other in request.named_items if other.rank is not None and (line := _item_on_results(request, other))
    ]
    if catalog is not None:
        about = ensure_period(clip(" ".join(sentences(catalog.text)[:2]), 240))
        tail.append(P.RANKED_ABOUT.format(kind="work" if kind == "career" else "major", text=about) + f" [{catalog.n}]")
    transition = P.WHY_NOT_TRANSITION if points else ""
    return Draft("", lead, transition, points, tail, P.WHY_NOT_NEXT.format(name=item.title))


def _fit_points(request: AnswerRequest, kind: str, fit_section: ContextSection) -> list[str]:
    """The fit section's sentences as points (fit figures, the interests it leans on and the ones that do
    not match, the skills it draws on), each cited with the person's own sections it repeats."""
    code = _by_id(request).get("interests:holland_code")
    points = []
    for sentence in sentences(fit_section.text):
        if sentence.startswith(f"The {kind}s on your list"):
            continue  # the lead already gives the list's fits
        cites = [fit_section.n]
        if code is not None and ("out of 100" in sentence or "Holland code" in sentence):
            cites.append(code.n)  # the person's own scores, as their profile states them
        if sentence.startswith("Thinking skills it draws on"):
            cites += [x.n for x in request.sections if x.section_id.startswith("skills:") and x.title in sentence]
        points.append(f"- {ensure_period(sentence)} [{', '.join(str(n) for n in cites)}]")
    return points


# -- worry --------------------------------------------------------------------------------------------


def _extremes(request: AnswerRequest, facts: list[ScaleFact]) -> list[str]:
    """The strongest area and, when one is low, the weakest, each with its level and cited (with the
    overview, which summarises the same): results within the measurement error of the strongest are
    named with it as too close to rank, never one above the other."""
    valued = sorted((f for f in facts if f.value is not None), key=lambda f: -(f.value or 0))
    if len(valued) < 2 or len({f.unit for f in valued}) != 1:
        return []
    if (valued[0].value or 0) - (valued[-1].value or 0) <= CLOSE_BAND:
        return []  # all close: the close note says so
    overview_id = {"thinking_skills": "skills:overview", "personality_profile": "personality:overview"}
    overview = _by_id(request).get(overview_id.get(valued[0].section.document_type, ""))
    extra = [overview.n] if overview is not None else []
    lines = []
    top = [f for f in valued if _close(f.value or 0, valued[0].value or 0)]
    cites = ", ".join(str(n) for n in [*(f.section.n for f in top), *extra])
    build = ", a real strength to build on" if all(f.level == "high" for f in top) else ""
    if len(top) == 1:
        lines.append(f"Your strongest area is {top[0].name.lower()} ({top[0].phrase()}){build} [{cites}].")
    else:
        names = join_names([f"{f.name.lower()} ({f.phrase()})" for f in top])
        close = "too close to rank, within the test's measurement error"
        lines.append(f"Your strongest areas are {names}: {close}{build} [{cites}].")
    lowest = valued[-1]
    if lowest.level == "low" and lowest.section.document_type == "thinking_skills" and lowest not in top:
        lines.append(P.WORRY_LOW.format(name=lowest.name, phrase=lowest.phrase(), n=lowest.section.n))
        if why := _guide_clause(request, "guide:using_results", r"\blower\b"):
            lines.append(why)
    return lines


def _guide_clause(request: AnswerRequest, guide_id: str, pattern: str) -> str | None:
    """The first clause of a guide that matches `pattern`, as the guide's word, cited."""
    guide = _by_id(request).get(guide_id)
    if guide is None:
        return None
    clauses = [c.strip() for s in sentences(guide.text) for c in s.split(";")]
    found = next((c for c in clauses if re.search(pattern, c, re.I)), None)
    if not found:
        return None
    return f"As the guide to your results puts it, {ensure_period(found[0].lower() + found[1:])} [{guide.n}]"


def _item_on_results(request: AnswerRequest, item: NamedItem) -> str | None:
    """Where a named career or major stands on the person's results: its rank and fit on their list,
    else the fit computed for it (first sentence of its fit section)."""
    ranked = _ranked_for(request, item.kind)
    own = ranked.items.get(item.title.casefold()) if ranked else None
    if own is not None and own.section is not None:
        place = "top" if own.rank == 1 else ordinal(own.rank)
        fit = f" (fit {own.fit}%)" if own.fit is not None else ""
        return f"{own.title} is your {place} {item.kind} match{fit} on these same results [{own.section.n}]."
    by_id = _by_id(request)
    fit_section = next((by_id[s] for s in item.section_ids if ":fit:" in s and s in by_id), None)
    if fit_section is not None and (first := sentences(fit_section.text)[:1]):
        # with the thinking skills it draws on, when it names them: what an ability worry is about
        drawn = [p for p in _fit_points(request, item.kind, fit_section) if "Thinking skills it draws on" in p]
        return f"{ensure_period(first[0])} [{fit_section.n}]" + "".join(f" {p[2:]}" for p in drawn)
    return None


def worry_draft(request: AnswerRequest, gap_note: str | None = None) -> Draft | None:
    """A worry about ability or personality answered with the scores that bear on it, each with its
    level, what a low or an average result does and does not mean, where any career or course the worry
    names stands on the same results, and a next step built on the person's own strongest and weakest
    areas. With `gap_note` (the document the worry is about is missing) it says so first and answers
    from what the person does have, never from another document's scores passed off as the answer."""
    by_id = _by_id(request)
    asked = [by_id[s] for s in request.scales if s in by_id]
    about_item = _worry_about_item(request) if gap_note is None and not asked else None
    if about_item is not None:
        return about_item
    skills = [s for s in request.sections if s.document_type == "thinking_skills" and s.section_id != "skills:overview"]
    if gap_note is not None:
        pool = asked
    else:
        pool = asked or skills or [s for s in request.sections if s.document_type == "personality_profile"]
    facts = [f for s in pool if (f := scale_fact(s)) is not None]
    if not asked:
        facts.sort(key=lambda f: -(f.value or 0))
    points = []
    for fact in facts[:5]:
        meaning = _meaning(fact.section) if len(facts) <= 2 else None
        points.append(f"- {fact.name}: {fact.phrase()}." + (f" {meaning}" if meaning else "") + f" [{fact.section.n}]")
    valued = [f for f in facts if f.value is not None]
    tail: list[str] = []
    extremes = _extremes(request, facts) if not asked else []
    tail.extend(extremes)
    strong = [f for f in valued if f.level == "high"]
    if strong and not extremes:
        best = strong[0] if not asked else max(strong, key=lambda f: f.value or 0)
        tail.append(P.WORRY_STRENGTH.format(name=best.name, phrase=best.phrase(), n=best.section.n))
    elif valued and all(f.level == "average" for f in valued):
        tail.append(P.WORRY_AVERAGE)
    elif asked and any(f.level == "low" and f.section.document_type == "thinking_skills" for f in valued):
        low = min(valued, key=lambda f: f.value or 0)
        tail.append(P.WORRY_LOW_ASKED.format(name=low.name.lower(), phrase=low.phrase(), n=low.section.n))
        if why := _guide_clause(request, "guide:using_results", r"\blower\b"):
            tail.append(why)
    if len(valued) >= 2 and valued[0].unit == valued[1].unit:
        spread = max(f.value or 0 for f in valued) - min(f.value or 0 for f in valued)
        if spread <= CLOSE_BAND:
            cites = ", ".join(str(f.section.n) for f in valued)
            tail.append(P.WORRY_CLOSE.format(cites=cites))
    for item in request.named_items[:1]:
        if (line := _item_on_results(request, item)) is not None:
            tail.insert(0, line)  # what the worry is about: the last thing to give up for length
    kind = {"careers": "career", "majors": "major"}.get(str(request.intent))
    if gap_note is not None and not request.named_items:
        kind = kind or "career"  # no scores to speak to the worry: the list the other results give
    ranked = _ranked_for(request, kind) if kind and not request.named_items else None
    if ranked is not None and ranked.overview is not None and ranked.listed():
        # A worry about finding a career or getting into a course: the list the same results give.
        top = [item.title for item in ranked.listed()[:2]]
        tail.append(
            f"On these same results, your strongest {kind} matches are {' and '.join(top)} [{ranked.overview.n}]."
        )
    if not points and not tail:
        return None
    if gap_note is not None:
        next_step = P.WORRY_NEXT_GAP
        return Draft(gap_note, P.WORRY_LEAD_GAP, "", points, tail, next_step)
    about_personality = all(f.section.document_type == "personality_profile" for f in facts)
    if about_personality:
        return Draft("", P.WORRY_LEAD, "", points, tail, P.WORRY_NEXT_PERSONALITY)
    return Draft("", P.WORRY_LEAD, "", points, tail, _worry_next(facts, asked=bool(asked)))


def _worry_about_item(request: AnswerRequest) -> Draft | None:
    """A worry about reaching one career or major, with no ability or personality named ("is X out of
    reach for me") that is not on the person's list: the fit figures, the interests it leans on and the
    ones that do not match, and that a lower fit is no closed door. None otherwise (worry_draft answers
    with the scores, and a listed item's rank and fit)."""
    if request.intent not in ("careers", "majors") or not request.named_items:
        return None
    item = request.named_items[0]
    by_id = _by_id(request)
    fit_section = next((by_id[s] for s in item.section_ids if ":fit:" in s and s in by_id), None)
    if item.rank is not None:
        return _worry_about_listed(request, item)
    if fit_section is None:
        return None
    listed = _strongest_matches(request, item.kind)
    lead = f"{P.WORRY_LEAD_ITEM.format(title=item.title, kind=item.kind)} {listed}".strip()
    tail = [P.WORRY_ITEM_NOT_CLOSED.format(title=item.title)]
    return Draft("", lead, P.WHY_NOT_TRANSITION, _fit_points(request, item.kind, fit_section), tail,
                 P.WHY_NOT_NEXT.format(name=item.title))  # fmt: skip


def _worry_about_listed(request: AnswerRequest, item: NamedItem) -> Draft | None:
    """A worry about reaching a career or major that is on the person's list, with no thinking-skills
    results to answer from: where it ranks, with its fit, and the reasons the list gives (cited), not
    whichever personality results retrieval brought. None when thinking-skills results are there (the
    scores answer, with the item's rank and fit)."""
    if any(s.document_type == "thinking_skills" for s in request.sections):
        return None
    ranked = _ranked_for(request, item.kind)
    own = ranked.items.get(item.title.casefold()) if ranked else None
    if own is None or own.section is None:
        return None
    n = own.section.n
    place = "top" if own.rank == 1 else ordinal(own.rank)
    fit = f" (fit {own.fit}%)" if own.fit is not None else ""
    lead = P.WORRY_LEAD_LISTED.format(title=own.title, place=place, kind=item.kind, fit=fit, n=n)
    points = [f"- {reason} [{n}]" for reason in own.reasons]
    return Draft("", lead, P.RANKED_WHY_ONE if points else "", points, [P.WORRY_LISTED_HONEST],
                 _target_step(request, item.kind, own.title, n))  # fmt: skip


def _worry_next(facts: list[ScaleFact], asked: bool) -> str:
    """The next step for an ability worry, named after the person's own results: build on the
    strongest area, practise the one asked about (else the weakest, when one is low)."""
    valued = [f for f in facts if f.value is not None]
    if not valued:
        return P.WORRY_NEXT
    best = max(valued, key=lambda f: f.value or 0)
    tops = join_names([f.name.lower() for f in valued if _close(f.value or 0, best.value or 0)])
    practise = facts[0] if asked else min(valued, key=lambda f: f.value or 0)
    if practise.level == "low" and all(f.level == "low" for f in valued if _close(f.value or 0, best.value or 0)):
        return P.WORRY_NEXT_PRACTISE_ONLY.format(practise=practise.name.lower())  # nothing high to build on
    if _close(practise.value or 0, best.value or 0) or (not asked and practise.level != "low"):
        return P.WORRY_NEXT_BUILD.format(best=tops)
    return P.WORRY_NEXT_PRACTISE.format(best=tops, practise=practise.name.lower())


# -- next steps -----------------------------------------------------------------------------------------

# A question about study (a major, a course, university) rather than work.
STUDYING = re.compile(r"\b(major|study|degree|uni|university|college|course)\w*", re.I)

# A step of a guide: a sentence that starts with its order ("Third, talk to ...") or an instruction;
# concrete ones name something to do with other people or in the real world.
_STEP_ORDER = re.compile(r"^(?:first|second|third|fourth|fifth|next|then|finally),\s*", re.I)
_CONCRETE = re.compile(r"\b(talk|try|read|visit|attend|shadow\w*|volunteer\w*|open day)\b", re.I)


def guide_steps(section: ContextSection, limit: int = 2) -> list[str]:
    """Up to `limit` concrete steps a guide gives, as instructions ("Talk to people who do the work ...")."""
    steps = []
    for sentence in sentences(section.text):
        body = _STEP_ORDER.sub("", sentence)
        if _CONCRETE.search(body) and not body.lower().startswith(("if ", "when ", "most ", "it ", "they ")):
            steps.append(ensure_period(body[0].upper() + body[1:]))
    return steps[:limit]


def _target_step(request: AnswerRequest, kind: str, title: str, n: int) -> str:
    """The step about one career or major, tied to where it stands on the person's list."""
    ranked = _ranked_for(request, kind)
    own = ranked.items.get(title.casefold()) if ranked else None
    standing = ""
    if own is not None and own.rank is not None:
        place = "top" if own.rank == 1 else ordinal(own.rank)
        fit = f", fit {own.fit}%" if own.fit is not None else ""
        standing = f" (your {place} {kind} match{fit})"
    template = P.NEXT_STEP_CAREER if kind == "career" else P.NEXT_STEP_MAJOR
    return template.format(title=title, standing=standing, n=n)


def next_steps_draft(request: AnswerRequest) -> Draft | None:
    """A short, concrete plan built around the careers and majors the question or the list names: each
    with where it stands on the person's results, then the concrete steps the guides give (cited), then
    someone to talk it over with."""
    targets: list[tuple[str, str, int]] = []  # (kind, title, section n)
    by_id = _by_id(request)
    for item in request.named_items[:1]:
        section = next((by_id[s] for s in item.section_ids if s in by_id), None)
        if section is not None:
            targets.append((item.kind, item.title, section.n))
    studying = STUDYING.search(request.question) is not None and not request.named_items
    lead = P.NEXT_STEP_LEAD
    if not targets:
        for kind in ("major",) if studying else ("career", "major"):
            ranked = _ranked_for(request, kind)
            best = [i for i in ranked.by_rank() if i.section is not None][: 2 if studying else 1] if ranked else []
            targets.extend((kind, i.title, i.section.n) for i in best if i.section is not None)
            if studying and ranked is not None and ranked.overview is not None and len(ranked.listed()) >= 2:
                names = join_names([i.title for i in ranked.listed()[:2]])
                lead = f"Your strongest major matches are {names} [{ranked.overview.n}]. {P.NEXT_STEP_LEAD_CHOOSE}"
    steps = [_target_step(request, kind, title, n) for kind, title, n in targets]
    guide = by_id.get("guide:choosing_a_major" if studying or (targets and targets[0][0] == "major") else "")
    guide = guide or by_id.get("guide:career_exploration_steps") or by_id.get("guide:choosing_a_major")
    from_guide = [f"{step} [{guide.n}]" for step in guide_steps(guide)] if guide is not None else []
    if not steps and not from_guide:
        return None
    steps.extend(from_guide or P.NEXT_STEP_GENERAL[:1])
    using = by_id.get("guide:using_results")
    keep = next((s for s in sentences(using.text) if s.startswith("Keep ")), None) if using is not None else None
    steps.append(P.NEXT_STEP_GENERAL[1] + (f" {ensure_period(keep)} [{using.n}]" if keep and using else ""))
    numbered = [f"{i}. {step}" for i, step in enumerate(steps, start=1)]
    return Draft("", lead, "", numbered, [], P.NEXT_STEP_CLOSE)


# -- one scale ------------------------------------------------------------------------------------------


_LETTER_SCORE = re.compile(r"\b([A-Z][a-z]+) \(([RIASEC])\) (\d{1,3})\b")


def holland_draft(request: AnswerRequest, section: ContextSection) -> Draft | None:
    """The Holland code: what it is, then whether the order of its letters is firm: top scores within
    the measurement error of each other are called close, and then the order could easily swap."""
    scores = sorted(((int(v), name) for name, _, v in _LETTER_SCORE.findall(section.text)), reverse=True)
    first = sentences(section.text)[:1]
    if not first or len(scores) < 4:
        return None
    n = section.n
    groups: list[list[tuple[int, str]]] = [[scores[0]]]
    for score in scores[1:4]:
        if groups[-1][-1][0] - score[0] <= CLOSE_BAND:
            groups[-1].append(score)
        else:
            groups.append([score])
    close = [g for g in groups if len(g) > 1]
    by_id = _by_id(request)
    lines = []
    for value, name in scores[:3]:  # what each letter of the code stands for, from its own section
        letter = next((x for x in by_id.values() if x.section_id.startswith("interests:") and
                       display_title(x.title).startswith(name)), None)  # fmt: skip
        meaning = _meaning(letter) if letter is not None else None
        if letter is not None and meaning:
            lines.append(f"- {name} ({value} out of 100): {meaning} [{letter.n}]")
    order = [P.CODE_CLOSE.format(names=join_names([f"{nm} ({v})" for v, nm in g]), n=n) for g in close]
    if not close:
        order.append(P.CODE_CLEAR.format(name=scores[0][1], value=scores[0][0], n=n))
    guide = _guide_clause(request, "guide:holland_code", r"\bclose\b") if close else None
    tail = [*order, *([guide] if guide else [])]
    return Draft("", f"{ensure_period(first[0])} [{n}]", "", lines, tail, P.NEXT_STEPS["personality"])


def scale_draft(request: AnswerRequest) -> Draft | None:
    """A question about one (or two) named scales: the result first, then what it means."""
    by_id = _by_id(request)
    code = by_id.get("interests:holland_code")
    if request.scales and request.scales[0] == "interests:holland_code" and code is not None:
        return holland_draft(request, code)
    facts = [f for sid in request.scales if sid in by_id and (f := scale_fact(by_id[sid])) is not None]
    if not facts:
        return None
    first, *others = facts
    meaning = _meaning(first.section)
    lead = f"Your {first.name.lower()} result: {first.phrase()} [{first.section.n}]."
    if meaning:
        lead += f" {meaning} [{first.section.n}]"
    points = [f"- {f.name}: {f.phrase()} [{f.section.n}]" for f in others[:2]]
    intent = "thinking_skills" if first.section.document_type == "thinking_skills" else "personality"
    tail = []
    guide = by_id.get("guide:percentiles")
    if (
        guide is not None
        and first.unit == "percentile"
        and re.search(r"percentile|per ?cent|%", request.question, re.I)
    ):
        # what the percentile itself means, when that is asked: the guide's definition, cited
        tail.append(f"What a percentile means: {' '.join(sentences(guide.text)[1:3])} [{guide.n}]")
    return Draft("", lead, "Also asked about:" if points else "", points, tail, P.NEXT_STEPS[intent])


# -- strongest / weakest ----------------------------------------------------------------------------------

_HIGHEST = re.compile(r"\b(best|strongest|highest|top|greatest|biggest strength|most pronounced|dominant)\b", re.I)
_LOWEST = re.compile(
    r"\b(weakest|worst|lowest|least|biggest weakness|(needs?|need to) (the )?most (work|practice|improvement)"
    r"|(improve|work on) (the )?most|most room)\b",
    re.I,
)
_AREAS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"\b(skills?|reasoning|thinking|abilit\w*)\b", re.I), "skills:", "thinking skill"),
    (re.compile(r"\binterests?\b", re.I), "interests:", "interest area"),
    (re.compile(r"\b(personality|traits?|tendenc\w*|character)\b", re.I), "personality:", "personality trait"),
)


def superlative(question: str) -> tuple[str, str, str] | None:
    """What a "which is my strongest/weakest ..." question asks: ("strongest" | "weakest" | "both",
    the section-id prefix of the results it ranks, how to name one of them), or None."""
    high, low = _HIGHEST.search(question), _LOWEST.search(question)
    if not (high or low):
        return None
    area = next(((prefix, noun) for pattern, prefix, noun in _AREAS if pattern.search(question)), None)
    if area is None:
        return None
    direction = "both" if high and low else "strongest" if high else "weakest"
    return direction, *area


def superlative_draft(request: AnswerRequest) -> Draft | None:
    """ "Which is my strongest (weakest) ...": the result(s) at that end, with level and meaning, the
    ones within the measurement error of it named with it as too close to rank."""
    asked = superlative(request.question)
    if asked is None:
        return None
    direction, prefix, noun = asked
    facts = [
        f
        for s in request.sections
        if s.section_id.startswith(prefix) and (f := scale_fact(s)) is not None and f.value is not None
    ]
    if len(facts) < 2 or len({f.unit for f in facts}) != 1:
        return None
    facts.sort(key=lambda f: -(f.value or 0))
    lines: list[str] = []
    used: set[str] = set()
    for end in ("strongest", "weakest") if direction == "both" else (direction,):
        edge = facts[0] if end == "strongest" else facts[-1]
        group = [f for f in facts if _close(f.value or 0, edge.value or 0)]
        used.update(f.section.section_id for f in group)
        if len(group) == 1:
            meaning = _meaning(edge.section)
            line = f"Your {end} {noun} is {edge.name.lower()}: {edge.phrase()} [{edge.section.n}]."
            lines.append(line + (f" {meaning} [{edge.section.n}]" if meaning else ""))
        else:
            names = join_names([f"{f.name.lower()} ({f.phrase()})" for f in group])
            cites = ", ".join(str(f.section.n) for f in group)
            lines.append(
                f"Your {end} {noun}s are {names}: so close that the difference is within the test's measurement "
                f"error, so treat them as about the same [{cites}]."
            )
    rest = [f for f in facts if f.section.section_id not in used]
    points = [f"- {f.name}: {f.phrase()} [{f.section.n}]" for f in rest[:4]]
    intent = "thinking_skills" if prefix == "skills:" else "personality"
    tail = []
    code = _by_id(request).get("interests:holland_code")
    if prefix == "interests:" and code is not None and (first := sentences(code.text)[:1]):
        # the Holland code orders the same scores: with close ones, that order is not firm either
        tail.append(f"{ensure_period(first[0])} [{code.n}]" + (P.CODE_ORDER_CLOSE if len(used) > 1 else ""))
    return Draft("", "\n\n".join(lines), "Your other results, for comparison:" if points else "", points, tail,
                 P.NEXT_STEPS[intent])  # fmt: skip


# -- the whole test in short --------------------------------------------------------------------------------

_OVERVIEW = re.compile(
    r"\b(overview|summar\w*|sum (it |this |that |them |everything |me )?up|in short|tl;? ?dr|big picture"
    r"|whole (thing|test|report|results?))\b",
    re.I,
)
# Each document's summary section, in the order the report gives them.
OVERVIEW_SECTIONS = ("personality:overview", "interests:holland_code", "skills:overview", "careers:overview",
                     "majors:overview")  # fmt: skip


_ONE_PART = re.compile(r"\b(careers?|jobs?|majors?|degrees?|courses?|holland|code)\b", re.I)


def asks_overview(question: str) -> bool:
    """Whether the question asks for the whole test in short ("explain the overview", "sum it up"),
    not for a summary of one part of it ("summary of my thinking skills")."""
    if _OVERVIEW.search(question) is None or _ONE_PART.search(question):
        return False
    return not any(pattern.search(question) for pattern, _, _ in _AREAS)


def overview_draft(request: AnswerRequest) -> Draft | None:
    """The whole test in short: each document's own summary, cited, in the report's order."""
    by_id = _by_id(request)
    points = []
    for sid in OVERVIEW_SECTIONS:
        section = by_id.get(sid)
        if section is None:
            continue
        if sid in ("careers:overview", "majors:overview"):
            ranked = ranked_items(request.sections, f"{sid.split(':')[0][:-1]}_recommendations")
            top = [i.title for i in ranked.listed()[:3]] if ranked is not None else []
            if top:
                noun = "career" if sid.startswith("careers") else "major"
                points.append(f"- Your strongest {noun} matches: {join_names(top)} [{section.n}]")
            continue
        telling = [x for x in sentences(section.text) if not re.search(r"\d", x)][:2]
        if telling:
            points.append(f"- {ensure_period(clip(' '.join(telling), 300))} [{section.n}]")
    if len(points) < 2:
        return None
    return Draft("", P.OVERVIEW_LEAD, "", points, [], P.NEXT_STEPS["general_guidance"])


def close_to_strongest(request: AnswerRequest) -> str | None:
    """When an overview names one strongest area but other results of the same kind in the request are
    within the measurement error of it, the note that says so (cited), so summary and details agree."""
    for prefix in ("skills:", "personality:"):
        facts = [
            f
            for s in request.sections
            if s.section_id.startswith(prefix) and (f := scale_fact(s)) is not None and f.value is not None
        ]
        if len(facts) < 2 or len({f.unit for f in facts}) != 1:
            continue
        best = max(facts, key=lambda f: f.value or 0)
        group = sorted((f for f in facts if _close(f.value or 0, best.value or 0)), key=lambda f: -(f.value or 0))
        if len(group) > 1:
            names = join_names([f"{f.name.lower()} ({f.phrase()})" for f in group])
            cites = ", ".join(str(f.section.n) for f in group)
            return P.CLOSE_TO_STRONGEST.format(names=names[0].upper() + names[1:], cites=cites)
    return None


def about_the_test_grounds(request: AnswerRequest) -> list[str]:
    """For a question about the test itself (can results change, how reliable): the guides' own
    sentences on it, cited: results describe one occasion and can shift; every score carries error."""
    by_id = _by_id(request)
    lines = []
    for guide_id, pattern in (("guide:using_results", r"\bshift|\bone occasion"),
                              ("guide:percentiles", r"measurement error")):  # fmt: skip
        guide = by_id.get(guide_id)
        found = next((x for x in sentences(guide.text) if re.search(pattern, x)), None) if guide else None
        if guide is not None and found:
            lines.append(f"{ensure_period(found)} [{guide.n}]")
    return lines
