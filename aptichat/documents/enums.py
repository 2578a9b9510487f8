"""The closed vocabularies of the document layer. The database CHECK constraints in
aptichat/db/models.py are derived from these, so a new value is added here and in migration 0001."""

from __future__ import annotations

from enum import StrEnum


class DocumentType(StrEnum):
    """The documents AptiChat builds for a person, in the order they are shown."""

    personality_profile = "personality_profile"
    thinking_skills = "thinking_skills"
    career_recommendations = "career_recommendations"
    major_recommendations = "major_recommendations"


class DocumentStatus(StrEnum):
    """A stored version is `current` (exactly one per user and type) or `superseded`."""

    current = "current"
    superseded = "superseded"


class EtlJobStatus(StrEnum):
    """Where a request to (re)process one user stands (chat_etl_jobs.status)."""

    requested = "requested"
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    partial = "partial"
    failed = "failed"
    rejected = "rejected"


class Level(StrEnum):
    """A percentile band, as defined by aptichat.scales.level_for_percentile."""

    low = "low"
    average = "average"
    high = "high"
