"""Ratings of answers (POST /chat/feedback)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from aptichat_api import database, store
from aptichat_api.auth import current_principal
from aptichat_api.errors import ApiError
from aptichat_api.routing import api_route
from aptichat_api.schemas import FeedbackRequest, FeedbackResponse

bp = Blueprint("feedback", __name__, url_prefix="/chat")


@api_route(
    bp,
    "/feedback",
    "POST",
    summary="Rate an answer",
    body=FeedbackRequest,
    response=FeedbackResponse,
    errors=(400, 401, 403, 404, 413, 422, 429),
)
def feedback(body: FeedbackRequest) -> dict[str, Any]:
    """Rate one of your own assistant answers 1..5 with an optional comment. Rating again replaces
    the earlier rating; anyone else's message is 404 `message_not_found`."""
    user_id = current_principal().user_id
    if user_id is None:  # an admin's staff account (a browser session) has no answers of its own
        raise ApiError(403, "forbidden", "A staff account has no answers to rate.")
    with database.session() as session:
        store.own_assistant_message(session, user_id, body.message_id)
        row = store.upsert_feedback(session, user_id, body.message_id, body.rating, body.comment)
        return {"feedback_id": row.id, "message_id": row.message_id, "rating": row.rating, "comment": row.comment}
