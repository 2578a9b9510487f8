"""The golden set: intent accuracy and recall@5 over synthetic people, with floors set from what
was measured (docs/quality.md). Run with -s to see the per-question table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aptichat.db.engine import session_scope
from aptichat_api.rag.memory import ConversationStore

GOLDEN = Path(__file__).with_name("golden.json")
# Floors a little below the measured figures (docs/quality.md), so a real regression fails.
MIN_INTENT_ACCURACY = 0.95
MIN_RECALL_AT_5 = 0.93
K = 5


def _expected(case: dict[str, Any], engine: Any, user_id: str, conversation_id: str | None) -> list[str]:
    if "expect_item" not in case:
        return list(case.get("expect", []))
    with session_scope(engine.engine) as session:
        context = ConversationStore(session).last_assistant_context(user_id, conversation_id or "") or {}
    items = context.get("items", [])
    index = case["expect_item"]
    # A follow-up whose list is too short cannot be resolved: count it as a miss.
    return [items[index]["section_id"]] if index < len(items) else ["<missing item>"]


def evaluate(chat_engine: Any, rag_world: dict[str, str]) -> dict[str, Any]:
    cases = json.loads(GOLDEN.read_text())["cases"]
    rows = []
    for case in cases:
        user_id = rag_world[case["user"]]
        conversation_id = None
        for earlier in case.get("history", []):
            conversation_id = chat_engine.answer(user_id, earlier, conversation_id).conversation_id
        intent, _, sections = chat_engine.explain(user_id, case["question"], conversation_id)
        top = [s.section_id for s in sections[:K]]
        expected = _expected(case, chat_engine, user_id, conversation_id)
        found = [sid for sid in expected if sid in top]
        rows.append(
            {
                "question": case["question"],
                "user": case["user"],
                "intent_ok": intent.value == case["intent"],
                "intent": intent.value,
                "expected_intent": case["intent"],
                "recall": len(found) / len(expected) if expected else None,
                "missing": [sid for sid in expected if sid not in top],
                "top": top,
            }
        )
    scored = [r["recall"] for r in rows if r["recall"] is not None]
    return {
        "cases": len(rows),
        "intent_accuracy": sum(r["intent_ok"] for r in rows) / len(rows),
        "recall_at_5": sum(scored) / len(scored),
        "recall_cases": len(scored),
        "rows": rows,
    }


def test_golden_set(chat_engine: Any, rag_world: dict[str, str]) -> None:
    report = evaluate(chat_engine, rag_world)
    for r in report["rows"]:
        if not r["intent_ok"] or (r["recall"] is not None and r["recall"] < 1):
            print(f"MISS [{r['user']}] {r['question']!r}: intent {r['intent']} (want {r['expected_intent']}),"
                  f" missing {r['missing']}, top {r['top']}")  # fmt: skip
    print(
        f"\ngolden: {report['cases']} questions, intent accuracy {report['intent_accuracy']:.3f}, "
        f"recall@{K} {report['recall_at_5']:.3f} over {report['recall_cases']} questions with expectations"
    )
    assert len(report["rows"]) >= 40
    assert report["intent_accuracy"] >= MIN_INTENT_ACCURACY
    assert report["recall_at_5"] >= MIN_RECALL_AT_5
