"""The offline composer per question type: each answer addresses what was asked, quotes only numbers
of the sections it cites (cited in the same line), and calls scores within the band close."""

from __future__ import annotations

import re

from aptichat.documents.examples import example_documents
from aptichat.llm import AnswerRequest, ContextSection, OfflineComposer
from aptichat.llm.faithfulness import check_answer
from aptichat.llm.offline_questions import CLOSE_BAND
from aptichat.llm.types import NamedItem, QuestionPart

composer = OfflineComposer()
_BY_ID = {s.section_id: (d.document_type.value, s) for d in example_documents("u") for s in d.content.sections()}
NURSE, SCIENTIST, COUNSELOR = "careers:29-1141.00", "careers:19-1042.00", "careers:21-1012.00"


def _sections(ids: list[str], extra: list[tuple[str, str, str, str]] = ()) -> list[ContextSection]:  # type: ignore[assignment]
    out = [
        ContextSection(n=n, document_type=_BY_ID[sid][0], section_id=sid, title=_BY_ID[sid][1].title,
                       text=re.sub(r"\s+", " ", _BY_ID[sid][1].text))
        for n, sid in enumerate(ids, start=1)
    ]  # fmt: skip
    for kind, sid, title, text in extra:
        out.append(ContextSection(n=len(out) + 1, document_type=kind, section_id=sid, title=title, text=text))
    return out


def _numbers_are_cited_on_their_line(text: str, sections: list[ContextSection]) -> None:
    """Every number of a line is stated by a section that line cites (the faithfulness rule, per line)."""
    by_n = {s.n: s.text for s in sections}
    for line in text.split("\n"):
        cited = [int(n) for group in re.findall(r"\[([\d, ]+)\]", line) for n in group.split(",")]
        body = re.sub(r"\[[\d, ]+\]", "", re.sub(r"^\d+\.\s", "", line))
        for number in re.findall(r"\d+", body):
            assert any(re.search(rf"(?<!\d){number}(?!\d)", by_n[n]) for n in cited), (number, line)


def _item(title: str, code: str, rank: int | None, *sids: str, kind: str = "career") -> NamedItem:
    return NamedItem(kind=kind, title=title, code=code, rank=rank, section_ids=list(sids))  # type: ignore[arg-type]


def test_comparison_is_side_by_side_and_close_fits_are_not_ranked() -> None:
    sections = _sections(["careers:overview", SCIENTIST, COUNSELOR])
    request = AnswerRequest(
        question="medical scientist or counsellor?",
        intent="careers",
        sections=sections,
        question_type="compare",
        named_items=[
            _item("Medical Scientist", "19-1042.00", 2, SCIENTIST),
            _item("Educational and Career Counselor", "21-1012.00", 3, COUNSELOR),
        ],
    )
    text = composer.generate(request).text
    assert text.startswith("Here are Medical Scientist and Educational and Career Counselor side by side")
    bullets = [line for line in text.split("\n") if line.startswith("- ")]
    assert bullets[0].startswith("- Medical Scientist: your 2nd career match, fit 84%.") and bullets[0].endswith("[2]")
    assert bullets[1].startswith("- Educational and Career Counselor: your 3rd career match, fit 84%.")
    assert "too close to call [2, 3]" in text and "fits you better" not in text  # 84 vs 84
    _numbers_are_cited_on_their_line(text, sections)


def test_comparison_outside_the_band_names_the_better_fit() -> None:
    sections = _sections([NURSE, COUNSELOR])
    request = AnswerRequest(
        question="nurse vs counsellor",
        intent="careers",
        sections=sections,
        question_type="compare",
        named_items=[
            _item("Registered Nurse", "29-1141.00", 1, NURSE),
            _item("Educational and Career Counselor", "21-1012.00", 3, COUNSELOR),
        ],
    )
    text = composer.generate(request).text
    assert CLOSE_BAND < 91 - 84
    assert "On your results Registered Nurse fits you better: a fit of 91% against 84% for Educational" in text
    _numbers_are_cited_on_their_line(text, sections)


def test_comparing_two_scales_within_the_band_calls_them_close() -> None:
    sections = _sections(["skills:verbal", "skills:memory", "skills:numerical"])
    close = AnswerRequest(question="verbal vs memory", intent="thinking_skills", sections=sections,
                          question_type="compare", scales=["skills:verbal", "skills:memory"])  # fmt: skip
    text = composer.generate(close).text
    assert "- Verbal reasoning: 66th percentile, average [1]" in text  # 66 vs 55: outside the band
    assert "Verbal reasoning is the stronger of the two on your results [1, 2]." in text
    tied = [s.model_copy(update={"text": s.text.replace("55th", "63rd").replace("55%", "63%")}) for s in sections]
    text = composer.generate(close.model_copy(update={"sections": tied})).text
    assert "so close that the difference is within the test's measurement error" in text
    assert "stronger" not in text


def test_why_not_gives_the_fit_figures_and_the_interests_that_do_not_match() -> None:
    fit = (
        "Lawyers would have a fit of 48% for you (interest fit 41%, thinking-skills fit 64%). Lawyers leans on "
        "Enterprising, Investigative and Social interests. Your interest scores there, out of 100: Enterprising 35, "
        "Investigative 71 and Social 86. Enterprising is not among your three strongest interests (your Holland "
        "code is SIA). The careers on your list have fits from 84% to 91%."
    )
    sections = _sections(
        ["careers:overview", "interests:holland_code"],
        [
            ("career_recommendations", "careers:fit:23-1011.00", "Your fit: Lawyers", fit),
            ("catalog_job", "job:23-1011.00", "Lawyers", "Represent clients in litigation and advise them."),
        ],
    )
    request = AnswerRequest(
        question="why wasn't lawyer recommended",
        intent="careers",
        sections=sections,
        question_type="why_not",
        named_items=[_item("Lawyers", "23-1011.00", None, "job:23-1011.00", "careers:fit:23-1011.00")],
    )
    answer = composer.generate(request)
    text = answer.text
    assert text.startswith(
        "Your recommended careers don't include Lawyers. Your strongest career matches are Registered Nurse (91%), "
        "Medical Scientist (84%) and Educational and Career Counselor (84%) [1]."
    )
    assert "- Lawyers would have a fit of 48% for you (interest fit 41%, thinking-skills fit 64%). [3]" in text
    assert "- Enterprising is not among your three strongest interests (your Holland code is SIA). [3, 2]" in text
    assert "About the work: Represent clients in litigation and advise them. [4]" in text
    assert "If you are drawn to Lawyers, that matters" in text  # an O*NET title is often plural
    assert answer.citations == [1, 3, 2, 4]
    _numbers_are_cited_on_their_line(text, sections)


def test_why_not_an_unknown_name_says_so_instead_of_listing_careers_as_if_answered() -> None:
    sections = _sections(["careers:overview", NURSE])
    request = AnswerRequest(question="why no architect", intent="careers", sections=sections,
                            question_type="why_not", unresolved=["architect"])  # fmt: skip
    text = composer.generate(request).text
    assert text.startswith("I couldn't find architect among your recommended careers or in the catalog")
    assert "is your top career match" not in text


def test_worry_is_answered_with_the_thinking_skills_scores_and_honest_encouragement() -> None:
    ids = ["skills:overview", "skills:verbal", "skills:numerical", "skills:spatial", "skills:logical", NURSE]
    sections = _sections(ids)
    request = AnswerRequest(
        question="im scared im too dumb for nursing",
        intent="thinking_skills",
        sections=sections,
        question_type="worry",
        named_items=[_item("Registered Nurse", "29-1141.00", 1, NURSE)],
    )
    text = composer.generate(request).text
    bullets = [line for line in text.split("\n") if line.startswith("- ")]
    # Strongest first, each with its percentile and level, cited.
    assert [b.split(":")[0] for b in bullets] == [
        "- Numerical reasoning", "- Logical reasoning", "- Verbal reasoning", "- Spatial reasoning",
    ]  # fmt: skip
    assert bullets[0].startswith("- Numerical reasoning: 84th percentile, high.") and bullets[0].endswith("[3]")
    # The strongest and the weakest area named with their levels, the low one said honestly, the next
    # step built on them (the overview [1] summarises the same results).
    assert (
        "Your strongest area is numerical reasoning (84th percentile, high), a real strength to build on [3, 1]."
        in text
    )
    assert "Spatial reasoning (28th percentile, low) is the area with the most room to grow [4]." in text
    assert "not that you can't do it" in text
    assert "Build on your numerical reasoning, practise spatial reasoning a little each week" in text
    assert "Registered Nurse is your top career match (fit 91%) on these same results [6]." in text
    assert "dumb" not in text.casefold()
    _numbers_are_cited_on_their_line(text, sections)


def test_next_steps_are_concrete_and_name_the_top_matches() -> None:
    sections = _sections(["careers:overview", NURSE, "majors:overview", "majors:nursing"])
    request = AnswerRequest(question="what do i do now", intent="general_guidance", sections=sections,
                            question_type="next_steps")  # fmt: skip
    text = composer.generate(request).text
    steps = [line for line in text.split("\n") if re.match(r"\d\. ", line)]
    assert steps[0] == (
        "1. Explore Registered Nurse (your top career match, fit 91%): look at what the work involves day to day "
        "and what training it needs [2]."
    )
    assert (
        steps[1]
        == "2. Look at a course list for Nursing (your top major match, fit 89%) and see which subjects excite you [4]."
    )
    assert len(steps) == 4


def test_a_named_scale_leads_with_its_result() -> None:
    sections = _sections(["personality:overview", "personality:openness"])
    request = AnswerRequest(question="what does my openness score mean", intent="personality", sections=sections,
                            question_type="specific_scale", scales=["personality:openness"])  # fmt: skip
    text = composer.generate(request).text
    assert text.startswith("Your openness to experience result: 82nd percentile, high [2]. You are drawn to new ideas")


def test_multi_part_answers_each_part_with_one_next_step() -> None:
    sections = _sections(["personality:overview", "interests:holland_code", "majors:overview", "majors:nursing"])
    request = AnswerRequest(
        question="what's my holland code, and which major fits it best?",
        intent="personality",
        sections=sections,
        question_type="multi_part",
        scales=["interests:holland_code"],
        parts=[
            QuestionPart(text="what's my holland code", intent="personality", question_type="specific_scale"),
            QuestionPart(text="which major fits it best", intent="majors", question_type="general"),
        ],
    )
    text = composer.generate(request).text
    assert "SIA" in text and "Nursing" in text
    assert text.index("SIA") < text.index("Nursing")  # in the order asked
    assert text.count("?") == 1 and text.rstrip().endswith("?")  # one next step, at the end


def test_general_guidance_details_explain_the_careers_its_summary_names() -> None:
    sections = _sections(["careers:overview", COUNSELOR, NURSE, "majors:overview", "majors:psychology"])
    text = composer.generate(
        AnswerRequest(question="what should I do after school?", intent="general_guidance", sections=sections)
    ).text
    summary = text.split("\n")[0]
    detailed = [m.group(1) for line in text.split("\n") if (m := re.match(r"- ([^(:]+?) \(fit", line))]
    assert detailed and all(title in summary for title in detailed), (summary, detailed)


def test_why_not_cites_the_persons_own_sections_for_every_stored_score_it_repeats() -> None:
    fit = (
        "Lawyers would have a fit of 61% for you (interest fit 58%, thinking-skills fit 66%). "
        "Thinking skills it draws on, your percentiles: Verbal reasoning 66."
    )
    sections = _sections(
        ["careers:overview", "skills:verbal"],
        [("career_recommendations", "careers:fit:23-1011.00", "Your fit: Lawyers", fit)],
    )
    request = AnswerRequest(
        question="why not lawyer",
        intent="careers",
        sections=sections,
        question_type="why_not",
        named_items=[_item("Lawyers", "23-1011.00", None, "careers:fit:23-1011.00")],
    )
    text = composer.generate(request).text
    assert "- Thinking skills it draws on, your percentiles: Verbal reasoning 66. [3, 2]" in text
    _numbers_are_cited_on_their_line(text, sections)


# -- issue 16, round 4: worries, next steps, strongest/weakest, multi-part (tuned on dev only) ------------


def _skill(n: int, sid: str, title: str, pct: int, level: str) -> ContextSection:
    text = (
        f"You answered 12 of 20 items correctly, around the {pct}th percentile (higher than about {pct}% of test "
        f"takers), which is {level} for your norm group. This is a result you can build on."
    )
    return ContextSection(n=n, document_type="thinking_skills", section_id=sid, title=title, text=text)


def _guide(n: int, guide_id: str) -> ContextSection:
    from aptichat_pipelines.transform.scale_guides import all_scale_guides

    guide = next(g for g in all_scale_guides() if g.guide_id == guide_id)
    return ContextSection(n=n, document_type="scale_guide", section_id=guide_id, title=guide.title, text=guide.text)


def test_worry_names_close_strongest_areas_together_and_the_low_one_honestly() -> None:
    sections = [
        _skill(1, "skills:numerical", "Numerical reasoning", 92, "high"),
        _skill(2, "skills:spatial", "Spatial reasoning", 90, "high"),
        _skill(3, "skills:verbal", "Verbal reasoning", 60, "average"),
        _skill(4, "skills:memory", "Working memory", 21, "low"),
        _guide(5, "guide:using_results"),
    ]
    request = AnswerRequest(question="am i too dumb for engineering", intent="thinking_skills", sections=sections,
                            question_type="worry")  # fmt: skip
    text = composer.generate(request).text
    # 92 and 90 are within the band: named together, never one above the other
    assert "Your strongest areas are numerical reasoning (92nd percentile, high) and spatial reasoning" in text
    assert "too close to rank" in text and "Your strongest area is" not in text
    # the low one: its level, what low does and does not mean, the guide's word for it, cited
    assert "Working memory (21st percentile, low) is the area with the most room to grow [4]." in text
    assert "not that you can't do it" in text
    assert "a lower thinking-skill score shows where practice could pay off, not a door that is closed. [5]" in text
    # the next step is built on these results
    assert "Build on your numerical reasoning and spatial reasoning, practise working memory" in text
    _numbers_are_cited_on_their_line(text, sections)


def test_worry_about_an_unmeasured_document_says_so_and_answers_from_the_rest() -> None:
    sections = _sections(["careers:overview", NURSE])
    request = AnswerRequest(
        question="i feel like i'm not smart enough for nursing",
        intent="thinking_skills",
        sections=sections,
        question_type="worry",
        gaps={"thinking_skills": "your thinking skills were not measured in this test"},
        named_items=[_item("Registered Nurse", "29-1141.00", 1, NURSE)],
    )
    text = composer.generate(request).text
    assert text.startswith("One thing first: Your thinking skills were not measured in this test.")
    assert "Registered Nurse is your top career match (fit 91%) on these same results [2]." in text
    assert "percentile" not in text  # no other document's scores passed off as the answer
    _numbers_are_cited_on_their_line(text, sections)


def test_next_steps_about_study_plan_around_the_top_two_majors_with_the_guides_steps() -> None:
    sections = [*_sections(["majors:overview", "majors:nursing", "majors:psychology"]),
                _guide(4, "guide:choosing_a_major"), _guide(5, "guide:using_results")]  # fmt: skip
    request = AnswerRequest(question="what now, i have to pick a course", intent="general_guidance",
                            sections=sections, question_type="next_steps")  # fmt: skip
    text = composer.generate(request).text
    assert text.startswith("Your strongest major matches are Nursing and Psychology [1].")
    steps = [line for line in text.split("\n") if re.match(r"\d\. ", line)]
    assert steps[0].startswith("1. Look at a course list for Nursing (your top major match, fit 89%)")
    assert steps[1].startswith("2. Look at a course list for Psychology (your 2nd major match")
    # the guide's concrete steps, cited to it
    assert "3. Read real course outlines, not just their titles, and check which modules are compulsory. [4]" in text
    assert any(s.startswith("4. Talk to current students") and s.endswith("[4]") for s in steps)
    assert steps[-1].endswith("[5]")  # someone to talk it over with, and the using-results guide's advice
    _numbers_are_cited_on_their_line(text, sections)


def test_strongest_and_weakest_are_answered_by_rank_and_close_ones_together() -> None:
    sections = _sections(["skills:verbal", "skills:numerical", "skills:spatial", "skills:logical", "skills:memory"])
    weakest = composer.generate(
        AnswerRequest(question="which of my skills needs the most work", intent="thinking_skills", sections=sections)
    ).text
    assert weakest.startswith("Your weakest thinking skill is spatial reasoning: 28th percentile, low [3].")
    strongest = composer.generate(
        AnswerRequest(question="which thinking skill is my best one", intent="thinking_skills", sections=sections)
    ).text
    assert strongest.startswith("Your strongest thinking skill is numerical reasoning: 84th percentile, high [2].")
    close = [
        _skill(1, "skills:numerical", "Numerical reasoning", 62, "average"),
        _skill(2, "skills:verbal", "Verbal reasoning", 60, "average"),
        _skill(3, "skills:memory", "Working memory", 40, "average"),
    ]
    text = composer.generate(
        AnswerRequest(question="what is my strongest skill", intent="thinking_skills", sections=close)
    ).text
    assert text.startswith("Your strongest thinking skills are numerical reasoning (62nd percentile, average) and")
    assert "within the test's measurement error" in text and "[1, 2]" in text
    for answer, given in ((weakest, sections), (strongest, sections), (text, close)):
        _numbers_are_cited_on_their_line(answer, given)


def test_multi_part_parts_answer_with_their_own_scales_and_never_twice() -> None:
    sections = _sections(["personality:openness", "skills:logical", "careers:overview", SCIENTIST])
    request = AnswerRequest(
        question="my openness and my logical reasoning - how do they fit research jobs?",
        intent="personality",
        sections=sections,
        question_type="multi_part",
        scales=["personality:openness", "skills:logical"],
        parts=[
            QuestionPart(text="my openness and my logical reasoning", intent="personality",
                         question_type="specific_scale", scales=["personality:openness", "skills:logical"]),
            QuestionPart(text="how do they fit research jobs", intent="careers", question_type="general"),
        ],
    )  # fmt: skip
    text = composer.generate(request).text
    assert text.count("Your openness to experience result") == 1
    assert "Medical Scientist" in text and "[4]" in text  # the second part answered from the careers


def test_a_percentile_question_gets_the_guides_definition() -> None:
    sections = [*_sections(["skills:spatial"]), _guide(2, "guide:percentiles")]
    request = AnswerRequest(question="my spatial is 28th percentile, does that mean 28% right?",
                            intent="thinking_skills", sections=sections, question_type="specific_scale",
                            scales=["skills:spatial"])  # fmt: skip
    text = composer.generate(request).text
    assert "What a percentile means:" in text and "It is not the percentage of questions you got right" in text
    assert text.split("What a percentile means:")[1].split("\n")[0].rstrip().endswith("[2]")


def test_why_one_and_not_another_answers_the_one_not_on_the_list() -> None:
    body = "Lawyers would have a fit of 61% on the same rule. Enterprising is not among your strongest interests."
    fit = ("computed_fit", "careers:fit:23-1011.00", "Your fit: Lawyers", body)
    sections = _sections(["careers:overview", NURSE], [fit])
    sections[-1] = sections[-1].model_copy(update={"document_type": "career_recommendations"})
    request = AnswerRequest(
        question="why nurse and not lawyer",
        intent="careers",
        sections=sections,
        question_type="why_not",
        named_items=[_item("Registered Nurse", "29-1141.00", 1, NURSE),
                     _item("Lawyers", "23-1011.00", None, "careers:fit:23-1011.00")],
    )  # fmt: skip
    text = composer.generate(request).text
    assert text.startswith("Your recommended careers don't include Lawyers.")
    assert "61%" in text and "Registered Nurse is your top career match (fit 91%) on these same results [2]." in text


def _code(n: int, scores: dict[str, int]) -> ContextSection:
    names = {"R": "Realistic", "I": "Investigative", "A": "Artistic", "S": "Social", "E": "Enterprising",
             "C": "Conventional"}  # fmt: skip
    top = sorted(scores, key=lambda k: -scores[k])[:3]
    listed = ", ".join(f"{names[k]} ({k}) {v}" for k, v in scores.items())
    text = (f"Your three strongest interest areas, in order, are {names[top[0]]}, {names[top[1]]} and {names[top[2]]}, "
            f"which gives the Holland code {''.join(top)}. Your scores out of 100: {listed}.")  # fmt: skip
    return ContextSection(n=n, document_type="personality_profile", section_id="interests:holland_code",
                          title="Your Holland code", text=text)  # fmt: skip


def test_a_holland_code_with_close_scores_says_its_order_is_not_firm() -> None:
    close = _code(1, {"R": 50, "I": 53, "A": 49, "S": 55, "E": 52, "C": 47})
    sections = [close, _guide(2, "guide:holland_code")]
    request = AnswerRequest(question="my code is SIE, does the order matter", intent="personality", sections=sections,
                            question_type="specific_scale", scales=["interests:holland_code"])  # fmt: skip
    text = composer.generate(request).text
    assert text.startswith("Your three strongest interest areas, in order, are Social, Investigative and Enterprising")
    assert (
        "Social (55), Investigative (53), Enterprising (52) and Realistic (50) are within the test's measurement"
        in text
    )
    assert "read your code in both orders. [2]" in text
    clear = _code(1, {"R": 20, "I": 71, "A": 58, "S": 86, "E": 35, "C": 40})
    text = composer.generate(request.model_copy(update={"sections": [clear]})).text
    assert "The order is clear: Social (86 out of 100) leads" in text and "could easily swap" not in text
    _numbers_are_cited_on_their_line(text, [clear])


def test_the_whole_test_in_short_gives_each_documents_summary_and_one_part_is_not_the_whole() -> None:
    ids = ["personality:overview", "interests:holland_code", "skills:overview", "careers:overview", "majors:overview"]
    sections = _sections(ids)
    text = composer.generate(
        AnswerRequest(
            question="can you sum it up for me, the whole thing", intent="general_guidance", sections=sections
        )
    ).text
    bullets = [line for line in text.split("\n") if line.startswith("- ")]
    assert len(bullets) == 5 and [b.rsplit("[", 1)[1] for b in bullets] == ["1]", "2]", "3]", "4]", "5]"]
    assert "Registered Nurse, Medical Scientist and Educational and Career Counselor [4]" in text
    from aptichat.llm.offline_questions import asks_overview

    assert asks_overview("explain the overview of my test") and not asks_overview("summary of my thinking skills?")


def test_an_overview_naming_one_strongest_area_is_followed_by_the_close_ones() -> None:
    overview = ContextSection(n=1, document_type="thinking_skills", section_id="skills:overview",
                              title="Your thinking skills",
                              text="Your thinking-skill results are all average. Your strongest area is verbal "
                                   "reasoning, a good foundation to build on.")  # fmt: skip
    sections = [
        overview,
        _skill(2, "skills:verbal", "Verbal reasoning", 55, "average"),
        _skill(3, "skills:logical", "Logical reasoning", 52, "average"),
        _skill(4, "skills:memory", "Working memory", 41, "average"),
    ]
    text = composer.generate(AnswerRequest(question="summary of my thinking skills?", intent="thinking_skills",
                                           sections=sections)).text  # fmt: skip
    assert "Your strongest area is verbal reasoning" in text
    assert (
        "Verbal reasoning (55th percentile, average) and logical reasoning (52nd percentile, average) are within"
        in text
    )
    assert "working memory (41st" not in text.split("are within")[0]


def test_multi_part_says_each_result_once_and_answers_the_worry_about_the_named_career() -> None:
    ids = ["skills:verbal", "skills:numerical", "skills:spatial", "skills:logical", "skills:memory", NURSE]
    sections = _sections(ids)
    request = AnswerRequest(
        question="whats my weakest skill and should i worry about it for nursing",
        intent="thinking_skills",
        sections=sections,
        question_type="multi_part",
        named_items=[_item("Registered Nurse", "29-1141.00", 1, NURSE)],
        parts=[
            QuestionPart(text="whats my weakest skill", intent="thinking_skills", question_type="general"),
            QuestionPart(text="should i worry about it for nursing", intent="careers", question_type="worry"),
        ],
    )
    text = composer.generate(request).text
    assert text.startswith("Your weakest thinking skill is spatial reasoning: 28th percentile, low [3].")
    assert text.count("- Numerical reasoning: 84th percentile, high") == 1  # not listed again by the worry
    assert "That's a very common worry" in text
    assert "Registered Nurse is your top career match (fit 91%) on these same results [6]." in text


def test_a_question_about_the_test_itself_is_grounded_in_the_guides() -> None:
    sections = [*_sections(["personality:openness"]), _guide(2, "guide:using_results"), _guide(3, "guide:percentiles")]
    text = composer.generate(
        AnswerRequest(
            question="can my results change if i take it again?", intent="general_guidance", sections=sections
        )
    ).text
    lines = text.split("\n")
    assert any(line.startswith("- They summarise how you answered on one occasion") and line.endswith("[2]")
               for line in lines)  # fmt: skip
    assert any("every test score carries some measurement error" in line and line.endswith("[3]") for line in lines)


def test_a_worry_about_one_low_skill_practises_it_and_does_not_build_on_it() -> None:
    sections = [_skill(1, "skills:numerical", "Numerical reasoning", 22, "low"), _guide(2, "guide:using_results")]
    text = composer.generate(
        AnswerRequest(
            question="im scared im too dumb for maths",
            intent="thinking_skills",
            sections=sections,
            question_type="worry",
            scales=["skills:numerical"],
        )
    ).text
    assert "Honestly, your numerical reasoning (22nd percentile, low) is below most people" in text
    assert "Practise numerical reasoning a little each week" in text and "Build on" not in text


_LAWYERS_FIT = (
    "Lawyers would have a fit of 48% for you (interest fit 41%, thinking-skills fit 64%). Lawyers leans on "
    "Enterprising, Investigative and Social interests. Your interest scores there, out of 100: Enterprising 35, "
    "Investigative 71 and Social 86. Enterprising is not among your three strongest interests (your Holland "
    "code is SIA). Thinking skills it draws on, your percentiles: Verbal reasoning 66 and Logical reasoning 72."
)


def test_a_worry_about_reaching_a_career_not_on_the_list_gives_its_fit_and_honest_encouragement() -> None:
    """ "is lawyer out of reach for me": the fit figures and the interests that do not match (as a why-not
    gives them), then that a lower fit is no closed door; not the person's personality results at random."""
    sections = _sections(
        ["careers:overview", "interests:holland_code", "personality:openness", "interests:R"],
        [("career_recommendations", "careers:fit:23-1011.00", "Your fit: Lawyers", _LAWYERS_FIT)],
    )
    request = AnswerRequest(
        question="is lawyer out of reach for me",
        intent="careers",
        sections=sections,
        question_type="worry",
        named_items=[_item("Lawyers", "23-1011.00", None, "careers:fit:23-1011.00")],
    )
    text = composer.generate(request).text
    assert "Your recommended careers don't include Lawyers." in text.split("\n")[0]
    assert "- Lawyers would have a fit of 48% for you (interest fit 41%, thinking-skills fit 64%). [5]" in text
    assert "- Enterprising is not among your three strongest interests (your Holland code is SIA). [5, 2]" in text
    assert "not that Lawyers is out of reach" in text
    assert "Openness" not in text and "Realistic" not in text
    _numbers_are_cited_on_their_line(text, sections)
    assert check_answer(text, sections).ok


def test_an_ability_worry_about_a_career_names_the_thinking_skills_it_draws_on() -> None:
    """ "am i smart enough to be a lawyer": the scores, and the skills the career draws on with the person's
    percentiles on them, cited."""
    ids = ["skills:overview", "skills:verbal", "skills:numerical", "skills:spatial", "skills:logical"]
    sections = _sections(ids, [("career_recommendations", "careers:fit:23-1011.00", "Your fit: Lawyers", _LAWYERS_FIT)])
    request = AnswerRequest(
        question="am i smart enough to be a lawyer",
        intent="thinking_skills",
        sections=sections,
        question_type="worry",
        named_items=[_item("Lawyers", "23-1011.00", None, "careers:fit:23-1011.00")],
    )
    text = composer.generate(request).text
    assert (
        "Thinking skills it draws on, your percentiles: Verbal reasoning 66 and Logical reasoning 72. [6, 2, 5]" in text
    )
    assert "- Verbal reasoning: 66th percentile" in text
    _numbers_are_cited_on_their_line(text, sections)
    assert check_answer(text, sections).ok


def test_a_worry_about_reaching_a_listed_career_answers_with_its_rank_fit_and_reasons() -> None:
    """ "is nursing out of reach for me" from someone whose top match it is: where it ranks, its fit and
    the list's reasons, honestly (a match is no promise it is easy); not personality results at random."""
    sections = _sections(["careers:overview", NURSE, "personality:openness", "interests:R"])
    request = AnswerRequest(
        question="is nursing out of reach for me",
        intent="careers",
        sections=sections,
        question_type="worry",
        named_items=[_item("Registered Nurse", "29-1141.00", 1, NURSE)],
    )
    text = composer.generate(request).text
    assert text.startswith("It's a fair question, and your results point towards it: Registered Nurse is your top")
    assert "(fit 91%) [2]" in text.split("\n")[0]
    assert "Why it fits you:\n- " in text and "not that it will be easy" in text
    assert "Openness" not in text and "Realistic" not in text
    _numbers_are_cited_on_their_line(text, sections)
    assert check_answer(text, sections).ok


def test_a_named_career_off_the_list_is_said_so_whatever_the_titles_number() -> None:
    """A plain careers question naming a catalog career that is not on the list: the lead says so in
    words that read right for a plural O*NET title ("Lawyers") as for a singular one."""
    sections = _sections(
        ["careers:overview", NURSE, SCIENTIST],
        [("catalog_job", "job:23-1011.00", "Lawyers", "Represent clients in litigation and advise them.")],
    )
    request = AnswerRequest(question="what about lawyers for me?", intent="careers", sections=sections)
    text = composer.generate(request).text
    assert text.startswith("Your recommended careers don't include Lawyers; your strongest matches are "), text
    assert "Lawyers is" not in text and "Represent clients in litigation" in text
    _numbers_are_cited_on_their_line(text, sections)
