"""AptiChat's own plain-language guides to every scale, type and skill, plus a few general guides.

The chat advisor retrieves these (rows of ``chat_scale_guides``) to answer general questions such as
"what does Investigative mean?" or "is the 40th percentile bad?". All text is original AptiChat writing.

- one guide per Big Five domain, RIASEC letter and thinking skill in :mod:`aptichat.scales`,
  with ``guide_id == "guide:<scale id>"`` and ``scale == <scale id>``;
- general guides (``guide:holland_code``, ``guide:percentiles``, ...) with ``scale == GENERAL_SCALE``.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

from aptichat.scales import BIG_FIVE, RIASEC, THINKING_SKILLS

GENERAL_SCALE = "general"


class ScaleGuide(BaseModel):
    """One guide, shaped like a ``chat_scale_guides`` row (without the embedding)."""

    model_config = ConfigDict(frozen=True)

    guide_id: str
    scale: str
    title: str
    text: str

    @property
    def content_hash(self) -> str:
        """sha256 hex of the title and text (joined by a newline so the boundary cannot shift)."""
        return hashlib.sha256(f"{self.title}\n{self.text}".encode()).hexdigest()


def _clean(text: str) -> str:
    """Collapse the source formatting (line breaks, indents) into single spaces."""
    return " ".join(text.split())


def _scale_guide(scale: str, display_name: str, subtitle: str, text: str) -> ScaleGuide:
    return ScaleGuide(guide_id=f"guide:{scale}", scale=scale, title=f"{display_name}: {subtitle}", text=_clean(text))


def _general_guide(name: str, title: str, text: str) -> ScaleGuide:
    return ScaleGuide(guide_id=f"guide:{name}", scale=GENERAL_SCALE, title=title, text=_clean(text))


_BIG_FIVE_TEXT: dict[str, tuple[str, str]] = {
    "openness": (
        "curiosity, imagination and new ideas",
        """
        Openness to experience describes how strongly you are drawn to new ideas, unfamiliar experiences and
        imaginative thinking. In everyday study and work it shows in how you react to change: whether you enjoy
        trying a different method, reading outside your subject or asking "what if?". People with higher scores
        often like variety, abstract questions and creative problem solving, and can grow restless with
        repetitive routines. People with lower scores tend to prefer the practical, the proven and the familiar;
        they often bring focus, realism and a steady hand to work that needs reliable methods. Neither end is
        better: innovation needs people who question habits, and every team also needs people who keep things
        grounded. When exploring careers, notice whether you feel energised by constant novelty, as in research,
        design or strategy, or by mastering a well-defined craft and doing it very well.
        """,
    ),
    "conscientiousness": (
        "planning, organisation and follow-through",
        """
        Conscientiousness is about how you organise yourself: planning ahead, keeping track of commitments and
        following tasks through to the end. At school or work it shows in how you handle deadlines, to-do lists
        and long projects. Higher scorers usually like structure, set goals early and feel uneasy leaving things
        unfinished; they can sometimes hold on to a plan when flexibility would serve them better. Lower scorers
        tend to be spontaneous and adaptable, comfortable improvising and switching direction when circumstances
        change, though simple systems such as reminders or shared calendars help them stay on track. Neither end
        is better; each suits different situations. In career choices, the tendency often shows in whether you
        prefer roles with clear processes and measurable progress, like project coordination or accounting, or
        roles that reward quick adjustment, like events, media or start-up work.
        """,
    ),
    "extraversion": (
        "social energy and where you recharge",
        """
        Extraversion describes where you tend to draw your energy from and how much social stimulation you
        enjoy. Higher scorers often feel lively after meetings, group projects and busy places; they tend to
        speak up quickly, think out loud and enjoy meeting new people. Lower scorers, often called more
        introverted, usually recharge with quieter time, prefer deeper conversations with fewer people and like
        to think before they speak. This is not about shyness or social skill: many reserved people are
        excellent presenters, and many outgoing people love solitary hobbies. Neither end is better. In study,
        it can shape whether you learn best in discussion groups or by reading alone. In careers, it can hint at
        how much daily contact feels comfortable, from sales, teaching and hospitality to research, writing or
        technical work where long stretches of focused concentration are the norm.
        """,
    ),
    "agreeableness": (
        "cooperation, trust and directness",
        """
        Agreeableness reflects how you approach other people: how much you lean towards cooperation, trust and
        keeping the peace, or towards directness, healthy scepticism and holding your ground. Higher scorers tend
        to be warm, helpful and considerate; they often smooth tensions in a group, though they may find it hard
        to say no or to give difficult feedback. Lower scorers tend to be frank and competitive, comfortable
        challenging ideas and negotiating firmly; people value them for honest critique, and they may simply
        need to check that their bluntness lands well. Neither end is better: teams work best with both kindness
        and candour. In career terms, the tendency can point towards roles built on support and collaboration,
        such as care, education or customer service, or towards roles where tough decisions and debate are part
        of the job, such as law, purchasing or management.
        """,
    ),
    "neuroticism": (
        "how strongly you react to pressure",
        """
        Emotional sensitivity (called neuroticism in much of the research literature) describes how strongly and
        how quickly you react to pressure, uncertainty and setbacks. It is an ordinary personality tendency, not
        a problem to fix. People with higher scores notice risks early, feel stress and disappointment more
        intensely and often care deeply about getting things right; that alertness can make them careful
        planners and understanding colleagues. People with lower scores tend to stay even-tempered under pressure
        and bounce back quickly, which helps in fast-moving situations, though they may sometimes underestimate
        risks. Neither end is better. In work and study it helps to notice which settings feel sustainable for
        you: some people do their best work in calm, predictable environments, others are comfortable in
        high-stakes, fast-paced roles. Habits such as breaking work into steps, taking regular breaks and talking
        things through help everyone.
        """,
    ),
}

_RIASEC_TEXT: dict[str, tuple[str, str]] = {
    "R": (
        "hands-on, practical work",
        """
        Realistic interests centre on hands-on, practical activity: building, repairing, operating tools and
        machines, working with plants and animals, or being active outdoors. People with strong Realistic
        interests often like to see a tangible result at the end of the day, such as a working engine, a finished
        piece of furniture or a healthy crop. They tend to prefer clear, concrete tasks over lengthy discussion,
        and environments where skill is shown by doing. Typical settings include workshops, building sites,
        farms, equipment-heavy laboratories and the outdoors. Example fields are engineering technology,
        construction trades, electrical and mechanical work, agriculture and forestry, aviation, sports coaching
        and emergency services. If this is one of your top letters, look for courses with practical components,
        apprenticeships or placements where you learn by working with real materials.
        """,
    ),
    "I": (
        "investigating, analysing and solving problems",
        """
        Investigative interests are about understanding how things work: observing, analysing, experimenting and
        solving puzzles. People with strong Investigative interests enjoy asking why, gathering evidence and
        working through a hard problem until it makes sense. They often like independence, time to think and
        environments where ideas are judged on their merit. Typical settings include research laboratories,
        universities, data and analytics teams, engineering offices and technology companies. Example fields are
        the natural sciences, mathematics and statistics, medicine and pharmacology, computer science, economics,
        psychology research and environmental science. If this is one of your top letters, look for study options
        with room for projects, experiments or independent investigation, and try short research tasks, science
        competitions or online data challenges to see which questions hold your attention longest.
        """,
    ),
    "A": (
        "creating, expressing and imagining",
        """
        Artistic interests involve creating, expressing and imagining: writing, drawing, designing, performing,
        composing, or shaping how something looks, sounds or feels. People with strong Artistic interests value
        originality and freedom, and often prefer open-ended tasks to rigid rules. They tend to thrive where they
        can experiment, develop a personal style and see their ideas take form. Typical settings include studios,
        theatres, agencies, newsrooms, design teams and, more and more, digital and freelance work. Example fields
        are graphic and product design, architecture, fine art, music, film and media production, creative
        writing and journalism, fashion, game design and advertising. This interest does not depend on already
        being a gifted artist; it reflects what you enjoy doing. If this is one of your top letters, build a small
        portfolio, join creative clubs and look for courses that combine craft with a practical or technical side.
        """,
    ),
    "S": (
        "helping, teaching and supporting people",
        """
        Social interests centre on helping, teaching, guiding and caring for other people. People with strong
        Social interests enjoy listening, explaining, encouraging and working together towards shared goals, and
        they often find meaning in seeing someone else learn, grow or feel more confident. They tend to prefer
        cooperative environments to competitive ones, and value conversation over machinery or spreadsheets.
        Typical settings include schools, community organisations, health and care services, sports clubs,
        charities and human resources teams. Example fields are teaching and early-years education, nursing and
        allied health professions, social work, counselling, coaching, youth work, and training and development.
        If this is one of your top letters, volunteering, mentoring younger students or helping out at a local
        club are easy ways to test which kind of helping suits you best.
        """,
    ),
    "E": (
        "leading, persuading and taking initiative",
        """
        Enterprising interests are about leading, persuading, organising people and taking the initiative to make
        things happen. People with strong Enterprising interests enjoy setting goals, pitching ideas, negotiating
        and being responsible for results. They are often comfortable with competition and calculated risk, and
        like environments that reward ambition and energy. Typical settings include businesses of every size,
        sales teams, start-ups, campaigning organisations and management roles in almost any sector. Example
        fields are business and management, marketing and sales, entrepreneurship, law, public relations,
        hospitality and events management, real estate and politics. If this is one of your top letters, try
        running a project, a school event or a small venture, taking a leadership role in a club, or joining a
        debating team; these show quickly whether you enjoy steering a group towards a goal.
        """,
    ),
    "C": (
        "organising information and running systems",
        """
        Conventional interests involve organising information, keeping records accurate and making systems run
        smoothly. People with strong Conventional interests enjoy clear procedures, well-defined tasks and the
        satisfaction of getting the details right, whether that means balancing accounts, managing a schedule or
        keeping a database tidy. They often prefer structured environments where expectations are clear and
        quality can be checked. Typical settings include offices, finance departments, public administration,
        logistics companies, libraries and data teams. Example fields are accounting and bookkeeping, banking,
        insurance, administration, supply chain and logistics, data management and quality assurance. Reliable
        organisations depend on these strengths. If this is one of your top letters, look for courses and roles
        where careful organisation is valued, and try tools such as spreadsheets or databases to see how much you
        enjoy them.
        """,
    ),
}

_THINKING_SKILLS_TEXT: dict[str, tuple[str, str]] = {
    "verbal": (
        "understanding and using written language",
        """
        Verbal reasoning measures how well you understand and work with written language: following an argument,
        noticing what a passage does and does not say, seeing relationships between words and drawing sound
        conclusions from text. At work it is used whenever you read reports, interpret instructions, write
        emails, summarise a meeting or judge whether a claim is supported. It matters in almost every field, and
        especially in law, journalism, teaching, management and policy work. It develops with practice. Read
        widely and regularly, including material slightly above your comfort level; after reading, sum up the
        main point in two sentences; practise separating facts from opinions and assumptions; and discuss
        articles with others to test your interpretation. Writing short pieces and asking for feedback also
        sharpens how precisely you use and understand words.
        """,
    ),
    "numerical": (
        "working with numbers and data",
        """
        Numerical reasoning measures how comfortably you work with numbers and data: reading tables and charts,
        working out percentages and ratios, estimating, and using figures to reach a conclusion. It is less about
        advanced mathematics and more about applying everyday arithmetic sensibly. At work it shows up when you
        compare prices, plan a budget, interpret survey results, check a forecast or read a sales report. It is
        central in finance, engineering, science and data roles, and useful in nearly every job. It grows with
        practice: try everyday calculations in your head before reaching for a calculator, explore real figures
        such as sports statistics or household bills, practise reading charts and asking what they really show,
        and use timed practice questions to build speed and confidence. Short, regular sessions help more than
        occasional long ones.
        """,
    ),
    "spatial": (
        "picturing and turning shapes in your mind",
        """
        Spatial reasoning measures how well you picture shapes and objects in your mind and work out how they
        change when they are rotated, folded, combined or seen from another angle. At work it is used when
        reading a map or a technical drawing, planning the layout of a room, assembling equipment, designing a
        product or following a diagram of a machine. It is especially valuable in engineering, architecture,
        design, the skilled trades, aviation, geology and surgery. Spatial ability improves with experience. Try
        building models, playing construction or puzzle games, sketching objects from different viewpoints, using
        free 3D modelling software, or navigating with a paper map now and then. Explaining a diagram to someone
        else in words is another good exercise, because it makes you check what you really see.
        """,
    ),
    "logical": (
        "finding rules and following a chain of reasoning",
        """
        Logical reasoning measures how well you find patterns and rules, follow a chain of steps and judge
        whether a conclusion really follows from the information given. Tests often use sequences, shapes or
        short statements, so the skill does not depend on specialist knowledge. At work it is used for
        troubleshooting, planning, writing code, analysing a problem before acting and spotting flaws in an
        argument or a plan. It is important in computing, science, engineering, law, consulting and many
        technical roles. You can strengthen it with logic puzzles, sudoku or coding exercises, by breaking
        problems into smaller parts and writing down each step, and by asking "what would have to be true for
        this to work?" when you meet a claim. Reviewing your mistakes on practice questions, and understanding
        why an answer was wrong, helps most of all.
        """,
    ),
    "memory": (
        "holding and using information in mind",
        """
        Working memory measures how much information you can hold in mind and use at the same moment, for
        example remembering a phone number while you dial it, or keeping several steps of a calculation in your
        head. It supports reading comprehension, mental arithmetic, following spoken instructions and juggling
        several tasks at once. At work it helps when you take in details during a conversation, keep track of a
        complex process or switch between jobs without losing your place. Everyone's working memory has limits,
        and good strategies matter as much as raw capacity. Write things down, use checklists, break information
        into small chunks, reduce distractions when you need to concentrate, and link new information to what
        you already know. Organised habits like these let anyone work effectively in demanding roles.
        """,
    ),
}

_GENERAL_TEXT: tuple[tuple[str, str, str], ...] = (
    (
        "holland_code",
        "Reading your Holland code",
        """
        Your Holland code is a short summary of your interest profile, made from the letters of your three
        highest RIASEC scores. The first letter is your strongest interest, the second comes next and the third
        adds colour. For example, SAE suggests someone who most enjoys helping others, with strong creative and
        leadership interests as well. The six types sit around a hexagon in the order R, I, A, S, E, C. Letters
        next to each other, such as R and I or S and E, have a lot in common, so a code made of neighbours is
        called consistent and usually points to a clear group of fields. Letters opposite each other, such as A
        and C, share less; a code that combines them is less common but perfectly valid, and can suggest roles
        that blend different strengths. When two scores are close, read your code in both orders.
        """,
    ),
    (
        "percentiles",
        "What a percentile means",
        """
        A percentile tells you how your score compares with a norm group: a large set of people who took the
        same test before you. If you are at the 70th percentile on a scale, you scored about as high as or higher
        than 70 out of every 100 people in that group. It is not the percentage of questions you got right, and
        it is not a grade: the 50th percentile is simply the middle, not a pass mark. On personality and interest
        scales, a high or low percentile describes how strong a tendency is, not whether it is good. AptiChat
        calls results below the 30th percentile low, from the 70th upwards high, and anything in between
        average. Small differences, such as the 55th against the 60th, mean little, because every test score
        carries some measurement error. Look at the overall pattern rather than single numbers.
        """,
    ),
    (
        "using_results",
        "Using your results well",
        """
        Your results describe tendencies, not fixed limits. They summarise how you answered on one occasion,
        compared with other people, and they can shift as you gain experience, try new things and grow. Use them
        as a starting point for exploration rather than a verdict. A high interest score is an invitation to look
        more closely at related fields; a lower thinking-skill score shows where practice could pay off, not a
        door that is closed. No single scale decides what you should do: the most useful insights come from
        seeing how your interests, personality and skills fit together, and from comparing them with what you
        already know about yourself. If something in your report surprises you, talk it over with a teacher,
        adviser or someone who knows you well. Keep what rings true, question what does not, and test ideas
        through real experiences.
        """,
    ),
    (
        "choosing_a_major",
        "Choosing a major or course of study",
        """
        Choosing a major or course of study is easier when you combine what you enjoy, how you like to work and
        what you are good at. Start with your top interest letters: list subjects that match them, and include a
        few you have not considered before. Then use your personality results to think about the study style that
        suits you, such as lab work, seminars, studio projects or independent research. Use your thinking-skill
        results to see which subjects may feel natural and which will need extra practice, remembering that
        skills can be developed. Next, read real course outlines, not just their titles, and check which modules
        are compulsory. Talk to current students and, if you can, attend an open day or a sample lecture.
        Finally, remember that many careers welcome graduates from several subjects, so one choice rarely closes
        every other path.
        """,
    ),
    (
        "career_exploration_steps",
        "Steps for exploring careers",
        """
        Career exploration works best as a series of small, practical steps. First, look at your results and
        write down three or four fields that match your strongest interests and suit your working style. Second,
        research each one: what people actually do day to day, the training needed, typical workplaces and how
        the field is changing. Third, talk to people who do the work; most are happy to answer a few questions
        about what they enjoy and what they find hard. Fourth, try it out through a short course, volunteering, a
        job-shadowing day, a part-time job or a personal project. Fifth, reflect on what you learned: which
        activities gave you energy and which drained it? Then update your list and repeat. Plans will change as
        you learn more, and that is a sign the process is working, not that you went wrong.
        """,
    ),
)


SCALE_GUIDES: tuple[ScaleGuide, ...] = (
    *(_scale_guide(scale, BIG_FIVE[scale], sub, text) for scale, (sub, text) in _BIG_FIVE_TEXT.items()),
    *(_scale_guide(scale, RIASEC[scale], sub, text) for scale, (sub, text) in _RIASEC_TEXT.items()),
    *(_scale_guide(scale, THINKING_SKILLS[scale], sub, text) for scale, (sub, text) in _THINKING_SKILLS_TEXT.items()),
    *(_general_guide(name, title, text) for name, title, text in _GENERAL_TEXT),
)

_BY_SCALE: dict[str, ScaleGuide] = {g.scale: g for g in SCALE_GUIDES if g.scale != GENERAL_SCALE}


def all_scale_guides() -> list[ScaleGuide]:
    """Every guide, scale guides first (Big Five, RIASEC, thinking skills), then the general ones."""
    return list(SCALE_GUIDES)


def guide_for_scale(scale: str) -> ScaleGuide:
    """The guide for one scale id from :mod:`aptichat.scales`; KeyError for an unknown id."""
    return _BY_SCALE[scale]
