"""A/B experiments: declared in settings.experiments (name -> variants), each person assigned to a
variant deterministically by hashing the experiment name with their user id, so the same person
always sees the same variant on every worker and after restarts, with no assignment table."""

from __future__ import annotations

import hashlib

from aptichat.settings import Settings

CHAT_EXPERIMENT = "prompt"


def assign(experiment: str, variants: list[str], user_id: str) -> str:
    """The variant of `user_id` in `experiment` (uniform over `variants`)."""
    if not variants:
        raise ValueError(f"experiment {experiment!r} declares no variants")
    digest = hashlib.sha256(f"{experiment}\x1f{user_id}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


def chat_variant(settings: Settings, user_id: str) -> str | None:
    """The variant passed to the chat engine, or None when the chat experiment is not declared."""
    variants = settings.experiments.get(CHAT_EXPERIMENT)
    return assign(CHAT_EXPERIMENT, variants, user_id) if variants else None
