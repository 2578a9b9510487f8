"""Answers from a Gemini model, paced and retried by the shared transport.

Failures (quota, timeouts, outages, safety blocks, bad requests, empty answers) are raised as
classified `ProviderError`s; `aptichat.llm.fallback.OfflineFallback`, which `get_answer_generator`
wraps this generator in, turns them into an offline answer marked `degraded=True`. It also checks
each answer's faithfulness and asks again once with `AnswerRequest.revision_notes`, which this
generator appends to its prompt.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from aptichat.llm.errors import SAFETY_FINISH_REASONS, BlockedBySafetyError, RetryableError, classify
from aptichat.llm.gemini_client import GeminiTransport
from aptichat.llm.prompt import build_prompt, system_instruction
from aptichat.llm.ratelimit import estimate_tokens
from aptichat.llm.types import AnswerRequest, GeneratedAnswer, cited_numbers
from aptichat.settings import Settings
from aptichat.telemetry import record_gemini_usage, usage_tokens

logger = logging.getLogger(__name__)


def _check_chunk(response: Any) -> str:
    """The text of one response (or stream chunk); raises when the provider blocked it."""
    feedback = getattr(response, "prompt_feedback", None)
    if feedback is not None and getattr(feedback, "block_reason", None):
        raise BlockedBySafetyError(f"prompt blocked: {feedback.block_reason}")
    for candidate in getattr(response, "candidates", None) or []:
        reason = getattr(candidate, "finish_reason", None)
        name = getattr(reason, "value", reason)
        if name in SAFETY_FINISH_REASONS:
            raise BlockedBySafetyError(f"answer stopped: {name}")
    return response.text or ""


class GeminiAnswerGenerator:
    """The `AnswerGenerator` backed by `settings.gemini_answer_model`."""

    def __init__(self, settings: Settings, *, transport: GeminiTransport | None = None) -> None:
        self.settings = settings
        self.model = settings.gemini_answer_model
        self.transport = transport or GeminiTransport(settings, self.model)
        self.name = f"gemini:{self.model}"

    def _config(self, request: AnswerRequest) -> Any:
        from google.genai import types

        return types.GenerateContentConfig(
            system_instruction=request.system_instruction or system_instruction(),
            temperature=0.3,
        )

    def _prompt(self, request: AnswerRequest) -> str:
        """The prompt, with the previous answer's problems appended when this is a regeneration."""
        prompt = build_prompt(request)
        if request.revision_notes:
            prompt = f"{prompt.rstrip()}\n\n{request.revision_notes.strip()}"
        return prompt

    def _tokens(self, request: AnswerRequest, prompt: str) -> int:
        return estimate_tokens([prompt, request.system_instruction or system_instruction()])

    def _count_usage(self, response: Any, prompt: str, text: str = "") -> None:
        """Tokens and estimated cost of one call: the response's usage_metadata, else an estimate."""
        tokens = usage_tokens(response)
        if tokens is not None:
            record_gemini_usage(self.model, *tokens)
        else:
            record_gemini_usage(self.model, estimate_tokens(prompt), estimate_tokens(text) if text else 0, "estimated")

    def _answer(self, request: AnswerRequest, text: str) -> GeneratedAnswer:
        return GeneratedAnswer(text=text, citations=cited_numbers(text, request.sections), provider=self.name)

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        """The whole answer in one call (an empty one is retried); raises a classified ProviderError."""
        prompt = self._prompt(request)
        config = self._config(request)

        def call() -> str:
            response = self.transport.client.models.generate_content(model=self.model, contents=prompt, config=config)
            try:
                text = _check_chunk(response)
            finally:
                self._count_usage(response, prompt, getattr(response, "text", None) or "")
            if not text.strip():
                raise RetryableError("empty answer")
            return text

        text = self.transport.call(call, tokens=self._tokens(request, prompt), what=f"generate {self.model}")
        return self._answer(request, text)

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """Text pieces as Gemini sends them, then the GeneratedAnswer.

        Failures before the first piece are retried; any failure that remains, before or after text
        was sent, is raised as a classified ProviderError (the fallback layer decides what the person
        sees). An empty stream ends with an empty answer.
        """
        prompt = self._prompt(request)
        config = self._config(request)

        opened: list[Any] = []  # the first chunk, for its usage_metadata when it is the only one

        def open_stream() -> tuple[str, Iterator[Any]]:
            # The SDK sends the request lazily: pull the first chunk here so connection errors, 429s
            # and 5xx happen inside the retry loop.
            chunks = iter(
                self.transport.client.models.generate_content_stream(model=self.model, contents=prompt, config=config)
            )
            first = next(chunks, None)
            if first is None:
                raise RetryableError("empty stream")
            opened[:] = [first]
            return _check_chunk(first), chunks

        first_text, chunks = self.transport.call(
            open_stream, tokens=self._tokens(request, prompt), what=f"stream {self.model}"
        )
        sent: list[str] = []
        last: Any = opened[0] if opened else None  # usage_metadata is cumulative: the last chunk has the totals
        try:
            if first_text:
                sent.append(first_text)
                yield first_text
            for chunk in chunks:
                last = chunk if getattr(chunk, "usage_metadata", None) is not None else last
                piece = _check_chunk(chunk)
                if piece:
                    sent.append(piece)
                    yield piece
        except Exception as exc:
            error = classify(exc)
            if error is exc:
                raise
            raise error from exc
        finally:
            self._count_usage(last, prompt, "".join(sent))
        yield self._answer(request, "".join(sent))

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The text pieces of `stream_answer`."""
        for piece in self.stream_answer(request):
            if isinstance(piece, str):
                yield piece
