"""Fairness of documents and recommendations: they depend only on the test answers, never on who
took the test.

Several synthetic people are cloned in a legacy database of this module's own, answer for answer,
under new ids whose background differs only in identity: name, gender and sex, pronouns, a
pronoun-bearing free-text note, a gender-coded school name, and an age / birth date in the same
age band. Each clone then goes through the real path: the legacy contract queries
(`AptitudeTestQueries`: scoring, norms, quality, career and major matching in SQL), the
`DocumentTransformer` and the chunker. Everything they produce must be identical to the original's,
apart from the fields that legitimately carry the identity (`IDENTITY_FIELDS`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from aptichat.documents import DocumentType
from aptichat.settings import Settings
from aptichat_pipelines.legacy.models import LegacyTestResults
from aptichat_pipelines.transform.chunking import chunk_document
from aptichat_pipelines.transform.transformer import BuiltDocuments, DocumentTransformer

SEED = 16
POPULATION = 40
BASE_PEOPLE = 6

# The only fields allowed to differ between two people with the same answers: who they are and
# which session (a clone's session has its own id), never anything derived from the scores.
IDENTITY_FIELDS = {
    "LegacyTestResults": ("user_id", "session_id", "quality.session_id", "background"),
    "BuiltDocuments": ("user_id", "session_id"),
    "ChatDocument": ("user_id", "source_session_id"),
}

# Identity swaps laid over the person's own background (education, country, prior major stay).
VARIANTS: dict[str, dict[str, object]] = {
    "maria": {
        "name": "Maria García",
        "first_name": "Maria",
        "gender": "female",
        "sex": "F",
        "pronouns": "she/her",
        "school": "St. Mary's High School for Girls",
        "notes": "She says her mother wants her to become a nurse; she enjoys helping her sister.",
    },
    "mohammed": {
        "name": "Mohammed Al-Rashid",
        "first_name": "Mohammed",
        "gender": "male",
        "sex": "M",
        "pronouns": "he/him",
        "school": "King Fahd Boys' Academy",
        "notes": "He says his father wants him to become an engineer; he enjoys helping his brother.",
    },
    "john": {
        "name": "John Smith",
        "first_name": "John",
        "gender": "man",
        "sex": "male",
        "pronouns": "he/him",
        "school": "Eton College",
        "notes": "He is the captain of his football team.",
    },
    "alex": {
        "name": "Alex Nguyen",
        "first_name": "Alex",
        "gender": "non-binary",
        "sex": "X",
        "pronouns": "they/them",
        "school": "Riverside Community School",
        "notes": "They say their parents want them to become a teacher.",
    },
    "blank": {},  # no identity at all: the background the product collected is empty
}


def _age_variant(base: dict[str, Any], variant: str, index: int) -> dict[str, object]:
    """An age and birth date in the same five-year band as the original's."""
    age = base.get("age")
    if not isinstance(age, int) or variant == "blank":
        return {}
    same_band = age + 1 if (age + 1) // 5 == age // 5 else age - 1
    chosen = age if index % 2 == 0 else same_band
    return {"age": chosen, "birth_date": f"{2024 - chosen}-{1 + 3 * index:02d}-{10 + index:02d}"}


@pytest.fixture(scope="module")
def fairness_legacy(pg_server: Any, settings: Settings) -> Iterator[Engine]:
    """A seeded legacy database of this module's own (nothing here shows up in other tests)."""
    from aptichat.db.server import legacy_url
    from aptichat_pipelines.legacy_sim.population import seed

    name = f"{settings.legacy_db_name}_fairness"
    pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
    pg_server.psql(f'CREATE DATABASE "{name}";')
    engine = create_engine(make_url(legacy_url(settings)).set(database=name), pool_size=2)
    try:
        seed(POPULATION, SEED, engine=engine)
        yield engine
    finally:
        engine.dispose()
        pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')


def _results(engine: Engine, user_ids: list[str]) -> dict[str, Any]:
    from aptichat_pipelines.legacy.queries import AptitudeTestQueries

    with AptitudeTestQueries(engine.url.render_as_string(hide_password=False)).sync() as queries:
        return dict(queries.results_for_users(user_ids, return_exceptions=True))


def _clone(conn: Any, base: str, clone: str, background: dict[str, object]) -> None:
    """The base person's takers row, every session and every answer, under new ids."""
    conn.execute(
        text("INSERT INTO test_takers (id, created_at, background) SELECT :c, created_at, CAST(:bg AS jsonb) "
             "FROM test_takers WHERE id = :b"),
        {"c": clone, "b": base, "bg": json.dumps(background)},
    )  # fmt: skip
    conn.execute(
        text("INSERT INTO test_sessions (id, taker_id, instrument_set, started_at, completed_at, status) "
             "SELECT id || ':' || :c, :c, instrument_set, started_at, completed_at, status "
             "FROM test_sessions WHERE taker_id = :b"),
        {"c": clone, "b": base},
    )  # fmt: skip
    conn.execute(
        text("INSERT INTO responses (session_id, item_id, value, response_ms) "
             "SELECT r.session_id || ':' || :c, r.item_id, r.value, r.response_ms "
             "FROM responses r JOIN test_sessions s ON s.id = r.session_id WHERE s.taker_id = :b"),
        {"c": clone, "b": base},
    )  # fmt: skip


@pytest.fixture(scope="module")
def people(fairness_legacy: Engine) -> dict[str, dict[str, LegacyTestResults]]:
    """base user id -> {"original" | variant name -> their legacy results}."""
    with fairness_legacy.connect() as conn:
        rows = conn.execute(text("SELECT id, background FROM test_takers ORDER BY id")).all()
    backgrounds = {user_id: dict(bg) for user_id, bg in rows}
    originals = _results(fairness_legacy, list(backgrounds))
    complete = [
        u
        for u, r in originals.items()
        if isinstance(r, LegacyTestResults)
        and r.quality.is_valid
        and r.tendencies
        and r.interests
        and r.skills
        and r.job_matches
        and r.major_matches
    ]
    # one person without thinking skills (its gaps and skill-less reasons must not vary either)
    partial = [
        u
        for u, r in originals.items()
        if isinstance(r, LegacyTestResults) and r.quality.is_valid and r.skills is None and r.job_matches
    ]
    chosen = sorted(complete)[:BASE_PEOPLE] + sorted(partial)[:1]
    assert len(chosen) >= 5, "the synthetic population should give several complete people"
    clones: dict[str, tuple[str, str]] = {}
    with fairness_legacy.begin() as conn:
        for base in chosen:
            for index, (variant, identity) in enumerate(VARIANTS.items()):
                own = backgrounds[base]
                background = {} if variant == "blank" else {**own, **identity, **_age_variant(own, variant, index)}
                clone = f"fair-{variant}-{base}"
                _clone(conn, base, clone, background)
                clones[clone] = (base, variant)
    cloned = _results(fairness_legacy, list(clones))
    out: dict[str, dict[str, LegacyTestResults]] = {base: {"original": originals[base]} for base in chosen}
    for clone, (base, variant) in clones.items():
        result = cloned[clone]
        assert isinstance(result, LegacyTestResults), f"{clone}: {result}"
        out[base][variant] = result
    return out


def _without_identity(results: LegacyTestResults) -> dict[str, Any]:
    dumped = results.model_dump(mode="json")
    for field in IDENTITY_FIELDS["LegacyTestResults"]:
        parent, _, leaf = field.rpartition(".")
        (dumped[parent] if parent else dumped).pop(leaf)
    return dumped


def _documents_without_identity(built: BuiltDocuments) -> dict[str, Any]:
    documents = {}
    for doc in built.documents:
        dumped = doc.model_dump(mode="json")
        for field in IDENTITY_FIELDS["ChatDocument"]:
            dumped.pop(field)
        dumped["rendered"] = doc.render()
        dumped["chunks"] = [(c.ordinal, c.section_id, c.title, c.text) for c in chunk_document(doc)]
        documents[doc.document_type.value] = dumped
    return {"documents": documents, "gaps": built.gaps}


def _recommendations(built: BuiltDocuments, kind: DocumentType) -> list[tuple[int, str, str, float, tuple[str, ...]]]:
    for doc in built.documents:
        if doc.document_type is kind:
            return [
                (item.rank, item.code, item.title, item.fit_score, tuple(item.reasons))
                for item in doc.content.items  # type: ignore[union-attr]
            ]
    return []


def test_variants_really_differ_in_identity(people: dict[str, dict[str, LegacyTestResults]]) -> None:
    """The clones carry the swapped identity into the pipeline's input (else the test proves nothing)."""
    for base, variants in people.items():
        assert variants["maria"].background["gender"] == "female"
        assert variants["mohammed"].background["pronouns"] == "he/him"
        assert variants["alex"].background["name"] == "Alex Nguyen"
        assert variants["blank"].background == {}
        assert len({v.user_id for v in variants.values()}) == len(VARIANTS) + 1, base
        assert len({v.session_id for v in variants.values()}) == len(VARIANTS) + 1, base


def test_scores_and_matches_do_not_depend_on_identity(people: dict[str, dict[str, LegacyTestResults]]) -> None:
    """Scoring, norms, quality and SQL matching give the same bundle whoever the person is."""
    for base, variants in people.items():
        expected = _without_identity(variants["original"])
        for variant, results in variants.items():
            assert _without_identity(results) == expected, f"{base} as {variant}: legacy results differ"


def test_documents_do_not_depend_on_identity(people: dict[str, dict[str, LegacyTestResults]]) -> None:
    """Content, content hash, rendering, sections/chunks and gaps are identical across identities."""
    transformer = DocumentTransformer()
    for base, variants in people.items():
        expected = _documents_without_identity(transformer.build(variants["original"]))
        assert expected["documents"], base
        for variant, results in variants.items():
            got = _documents_without_identity(transformer.build(results))
            assert got == expected, f"{base} as {variant}: documents differ"


def test_recommendations_do_not_depend_on_identity(people: dict[str, dict[str, LegacyTestResults]]) -> None:
    """Career and major recommendations: same ids, same order, same fit figures, same reasons."""
    transformer = DocumentTransformer()
    for base, variants in people.items():
        built = {variant: transformer.build(results) for variant, results in variants.items()}
        for kind in (DocumentType.career_recommendations, DocumentType.major_recommendations):
            expected = _recommendations(built["original"], kind)
            assert expected, f"{base}: no {kind.value}"
            for variant, documents in built.items():
                assert _recommendations(documents, kind) == expected, f"{base} as {variant}: {kind.value} differ"


def test_documents_carry_no_identity(people: dict[str, dict[str, LegacyTestResults]]) -> None:
    """No name, school or note from the background reaches a document's text."""
    transformer = DocumentTransformer()
    identity_words = {
        str(value)
        for identity in VARIANTS.values()
        for key, value in identity.items()
        if key in {"name", "first_name", "school"}
    }
    pattern = re.compile("|".join(rf"\b{re.escape(w)}\b" for w in sorted(identity_words)), re.IGNORECASE)
    for base, variants in people.items():
        for variant, results in variants.items():
            for doc in transformer.build(results).documents:
                rendered = doc.render()
                assert not pattern.search(rendered), f"{base} as {variant}: {doc.document_type.value} names the person"
