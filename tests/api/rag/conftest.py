"""A small synthetic world for the RAG tests: five people with real documents (content models +
repository + the local MiniLM embedder, one chunk per section) and a job/major/scale-guide catalog.

Everything is committed to this pytest process's own app database (the engine opens its own
sessions, so a rolled-back test session could not see it). User ids carry a per-run prefix.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import Engine

from aptichat.documents import ChatDocument, DocumentType, example_content
from aptichat.settings import Settings

# Personality, skills, careers, majors per person (None = not measured -> a gap).
_PEOPLE: dict[str, dict[str, Any]] = {
    "nurse": {},  # the documents' own examples: SIA, nurse / medical scientist / counsellor
    "engineer": {
        "tendencies": [
            ("openness", 70),
            ("conscientiousness", 85),
            ("extraversion", 25),
            ("agreeableness", 45),
            ("neuroticism", 40),
        ],
        "interests": {"R": 80, "I": 88, "A": 30, "S": 20, "E": 35, "C": 60},
        "skills": [("verbal", 50), ("numerical", 92), ("spatial", 90), ("logical", 88), ("memory", 60)],
        "careers": [
            ("15-1252.00", "Software Developer", "Your Investigative interest and strong logical reasoning"),
            ("17-2051.00", "Civil Engineer", "Your Realistic interest and excellent spatial reasoning"),
            ("47-2111.00", "Electrician", "You like hands-on, practical work with tools"),
        ],
        "majors": [
            ("computer_science", "Computer Science", "Your Investigative interest and logical reasoning"),
            ("mechanical_engineering", "Mechanical Engineering", "Your Realistic interest and spatial skill"),
        ],
    },
    "artist": {
        "tendencies": [
            ("openness", 95),
            ("conscientiousness", 35),
            ("extraversion", 75),
            ("agreeableness", 60),
            ("neuroticism", 55),
        ],
        "interests": {"R": 20, "I": 40, "A": 92, "S": 55, "E": 70, "C": 15},
        "skills": [("verbal", 85), ("numerical", 30), ("spatial", 72), ("logical", 45), ("memory", 50)],
        "careers": [
            ("27-1024.00", "Graphic Designer", "Your Artistic interest and high openness to new ideas"),
            ("11-2021.00", "Marketing Manager", "Your Enterprising interest and your extraversion"),
            ("27-3043.00", "Writer and Author", "Your strong verbal reasoning and Artistic interest"),
        ],
        "majors": [
            ("fine_arts", "Fine Arts", "Your Artistic interest and openness"),
            ("communication", "Communication Studies", "Your verbal reasoning and Social interest"),
        ],
    },
    "noskills": {  # thinking skills were not part of this person's test
        "tendencies": [
            ("openness", 50),
            ("conscientiousness", 75),
            ("extraversion", 80),
            ("agreeableness", 70),
            ("neuroticism", 30),
        ],
        "interests": {"R": 30, "I": 25, "A": 35, "S": 75, "E": 85, "C": 65},
        "skills": None,
        "careers": [
            ("13-2011.00", "Accountant", "Your Conventional interest and conscientiousness"),
            ("41-3031.00", "Sales Representative", "Your Enterprising interest and high extraversion"),
            ("13-1071.00", "Human Resources Specialist", "Your Social and Enterprising interests"),
        ],
        "majors": [
            ("business_administration", "Business Administration", "Your Enterprising interest"),
            ("accounting", "Accounting", "Your Conventional interest and conscientiousness"),
        ],
    },
    "empty": {"tendencies": None, "skills": None, "careers": None, "majors": None},  # processed, nothing built
}
_GAPS = {
    "noskills": {"thinking_skills": "your thinking skills were not measured in this test"},
    "empty": {
        "personality_profile": "your personality tendencies and interests were not measured in this test",
        "thinking_skills": "your thinking skills were not measured in this test",
        "career_recommendations": "could not be built from this test's results (interests missing)",
        "major_recommendations": "could not be built from this test's results (interests missing)",
    },
}
JOBS = [
    ("29-1141.00", "Registered Nurse", "Assess patients, administer care and coordinate treatment.", "SIC"),
    ("19-1042.00", "Medical Scientist", "Research human diseases and methods to improve health.", "IRA"),
    ("21-1012.00", "Educational and Career Counselor", "Advise students on education and career plans.", "SAE"),
    ("15-1252.00", "Software Developer", "Design and build computer applications and systems.", "ICR"),
    ("17-2051.00", "Civil Engineer", "Plan and supervise construction of roads, bridges and buildings.", "RIC"),
    ("47-2111.00", "Electrician", "Install and repair electrical wiring and equipment.", "RCI"),
    ("27-1024.00", "Graphic Designer", "Create visual concepts for print and digital media.", "AER"),
    ("11-2021.00", "Marketing Manager", "Plan campaigns that promote products and services.", "EAC"),
    ("27-3043.00", "Writer and Author", "Write books, articles, scripts and other content.", "AIE"),
    ("13-2011.00", "Accountant", "Prepare and examine financial records and taxes.", "CEI"),
    ("41-3031.00", "Sales Representative", "Sell products and services to businesses.", "ECS"),
    ("13-1071.00", "Human Resources Specialist", "Recruit, interview and place workers.", "SEC"),
    ("53-2011.00", "Airline Pilot", "Fly aircraft carrying passengers and cargo.", "RIC"),
    ("35-1011.00", "Chef", "Plan menus and direct food preparation in kitchens.", "ERA"),
    ("25-2021.00", "Elementary School Teacher", "Teach children basic academic and social skills.", "SAC"),
]
MAJORS = [
    ("nursing", "Nursing", "Prepares students to care for patients as registered nurses.", "SIC"),
    ("psychology", "Psychology", "The scientific study of behaviour and the mind.", "ISA"),
    ("computer_science", "Computer Science", "Programming, algorithms and the theory of computation.", "ICR"),
    ("mechanical_engineering", "Mechanical Engineering", "Design of machines, engines and devices.", "RIC"),
    ("fine_arts", "Fine Arts", "Painting, sculpture and visual expression.", "AIS"),
    ("communication", "Communication Studies", "How people create and share messages and media.", "AES"),
    ("business_administration", "Business Administration", "Management, finance and organisations.", "ECS"),
    ("accounting", "Accounting", "Financial reporting, auditing and taxation.", "CEI"),
    ("biology", "Biology", "The study of living organisms and life processes.", "IRA"),
    ("history", "History", "The study of past events and societies.", "AIS"),
]


def _letters(code: str) -> dict[str, float]:
    weights = {letter: 0.1 for letter in "RIASEC"}
    for i, letter in enumerate(code):
        weights[letter] = round(0.9 - 0.2 * i, 2)
    return weights


def _content(kind: DocumentType, spec: dict[str, Any]) -> dict[str, Any] | None:
    base = example_content(kind)
    if kind is DocumentType.personality_profile:
        if spec.get("tendencies", ()) is None:
            return None
        if "tendencies" not in spec:
            return base
        scores = spec["interests"]
        top = "".join(sorted(scores, key=lambda k: -scores[k])[:3])
        return {
            "tendencies": [{"scale": s, "raw_score": 3.0, "percentile": p} for s, p in spec["tendencies"]],
            "interests": {"scores": scores, "holland_code": top},
        }
    if kind is DocumentType.thinking_skills:
        if "skills" not in spec:
            return base
        if spec["skills"] is None:
            return None
        return {"skills": [{"skill": s, "correct": p // 5, "total": 20, "percentile": p} for s, p in spec["skills"]]}
    key = "careers" if kind is DocumentType.career_recommendations else "majors"
    if key not in spec:
        return base
    if spec[key] is None:
        return None
    items = []
    for rank, (code, title, reason) in enumerate(spec[key], start=1):
        item: dict[str, Any] = {"rank": rank, "code": code, "title": title, "fit_score": 0.9 - rank / 20}
        item["reasons"] = [reason]
        items.append(item)
    return {"items": items}


def _catalog_rows(entries: list[tuple[str, str, str, str]], kind: str) -> list[dict[str, Any]]:
    rows = []
    for code, title, description, letters in entries:
        row: dict[str, Any] = {
            "code": code,
            "title": title,
            "description": description,
            "riasec": _letters(letters),
            "skills": [],
            "source": "test",
        }
        if kind == "job":
            row["onet_soc_code"] = code
        row["content_hash"] = hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()
        rows.append(row)
    return rows


@pytest.fixture(scope="session")
def rag_embedder(settings: Settings) -> Any:
    """The local MiniLM embedder, loaded once for the whole session (torch import ~8 s)."""
    from aptichat.embeddings import provider_embedder

    return provider_embedder(settings)


@pytest.fixture(scope="session")
def rag_world(engine: Engine, rag_embedder: Any) -> dict[str, str]:
    """Build the people and the catalog once; returns short name -> user_id."""
    from aptichat.db.catalog_repository import sync_catalog
    from aptichat.db.engine import session_scope
    from aptichat.db.models import ChatJob, ChatMajor, ChatScaleGuide
    from aptichat.db.repository import ChunkInput, DocumentRepository, write_documents
    from aptichat_pipelines.transform.scale_guides import all_scale_guides

    model = rag_embedder.model
    users: dict[str, str] = {}
    for name, spec in _PEOPLE.items():
        user_id = f"rag-{name}"
        users[name] = user_id
        items = []
        for kind in DocumentType:
            content = _content(kind, spec)
            if content is None:
                continue
            doc = ChatDocument.model_validate({"user_id": user_id, "document_type": kind, "content": content})
            sections = doc.content.sections()
            vectors = rag_embedder.embed_documents([s.text for s in sections], [s.title for s in sections])
            chunks = [ChunkInput(i, s.section_id, s.title, s.text, vectors[i], model) for i, s in enumerate(sections)]
            items.append((doc, chunks))
        if items:
            write_documents(user_id, items, gaps=_GAPS.get(name, {}), engine=engine)
        else:
            with session_scope(engine) as session:
                repo = DocumentRepository(session)
                repo.ensure_user(user_id)
                repo.write_version(user_id, [], gaps=_GAPS.get(name, {}))

    def embed(texts: list[str], titles: list[str]) -> Any:
        return rag_embedder.embed_documents(texts, titles)

    def describe(row: dict[str, Any]) -> tuple[str, str]:
        return row["title"], f"{row['title']}. {row['description']}"

    sync_catalog(engine, ChatJob, _catalog_rows(JOBS, "job"), embed, model, describe)
    sync_catalog(engine, ChatMajor, _catalog_rows(MAJORS, "major"), embed, model, describe)
    guides = [{**g.model_dump(), "content_hash": g.content_hash} for g in all_scale_guides()]
    sync_catalog(engine, ChatScaleGuide, guides, embed, model, lambda g: (g["title"], g["text"]))
    return users


@pytest.fixture(scope="session")
def chat_engine(settings: Settings, engine: Engine, rag_embedder: Any, rag_world: dict[str, str]) -> Any:
    """A ChatEngine with the local embedder and the offline composer."""
    from aptichat.llm.offline import OfflineComposer
    from aptichat_api.rag.engine import ChatEngine

    return ChatEngine(settings, engine, embedder=rag_embedder, generator=OfflineComposer())
