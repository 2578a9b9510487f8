"""Answers from a Gemini model, degrading to the offline composer whenever the provider fails.

A chat must always get an answer: quota, timeouts, outages, safety blocks and bad requests are
logged and turned into an offline answer marked `degraded=True` with the error class.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from aptichat.llm.errors import SAFETY_FINISH_REASONS, BlockedBySafetyError, ProviderError, RetryableError, classify
from aptichat.llm.gemini_client import GeminiTransport
from aptichat.llm.offline import OfflineComposer
from aptichat.llm.prompt import DEFAULT_SYSTEM_INSTRUCTION, build_prompt
from aptichat.llm.ratelimit import estimate_tokens
from aptichat.llm.text import word_pieces
from aptichat.llm.types import AnswerRequest, GeneratedAnswer, cited_numbers
from aptichat.settings import Settings

logger = logging.getLogger(__name__)
INTERRUPTED_NOTE = "\n\n(My answer was cut off - please ask again if you'd like the rest.)"


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

    def __init__(
        self,
        settings: Settings,
        *,
        fallback: OfflineComposer | None = None,
        transport: GeminiTransport | None = None,
    ) -> None:
        self.settings = settings
        self.model = settings.gemini_answer_model
        self.transport = transport or GeminiTransport(settings, self.model)
        self.fallback = fallback or OfflineComposer()
        self.name = f"gemini:{self.model}"

    def _config(self, request: AnswerRequest) -> Any:
        from google.genai import types

        return types.GenerateContentConfig(
            system_instruction=request.system_instruction or DEFAULT_SYSTEM_INSTRUCTION,
            temperature=0.3,
        )

    def _tokens(self, request: AnswerRequest, prompt: str) -> int:
        return estimate_tokens([prompt, request.system_instruction or DEFAULT_SYSTEM_INSTRUCTION])

    def _answer(self, request: AnswerRequest, text: str, error: ProviderError | None = None) -> GeneratedAnswer:
        return GeneratedAnswer(
            text=text,
            citations=cited_numbers(text, request.sections),
            provider=self.name,
            degraded=error is not None,
            error=error.kind if error else None,
        )

    def _degrade(self, request: AnswerRequest, error: ProviderError) -> GeneratedAnswer:
        logger.warning("gemini answer failed (%s), using the offline composer: %s", error.kind, error)
        offline = self.fallback.generate(request)
        return offline.model_copy(update={"degraded": True, "error": error.kind})

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        """The whole answer in one call; provider failures give a degraded offline answer."""
        prompt = build_prompt(request)
        config = self._config(request)

        def call() -> str:
            response = self.transport.client.models.generate_content(model=self.model, contents=prompt, config=config)
            text = _check_chunk(response)
            if not text.strip():
                raise RetryableError("empty answer")
            return text

        try:
            text = self.transport.call(call, tokens=self._tokens(request, prompt), what=f"generate {self.model}")
        except Exception as exc:
            return self._degrade(request, classify(exc))
        return self._answer(request, text)

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """Text pieces as Gemini sends them, then the GeneratedAnswer.

        Failures before the first piece are retried, then fall back to the offline composer (streamed).
        A failure after text was sent cannot be taken back: the partial answer ends with a note and is
        marked degraded.
        """
        prompt = build_prompt(request)
        config = self._config(request)

        def open_stream() -> tuple[str, Iterator[Any]]:
            # The SDK sends the request lazily: pull the first chunk here so connection errors, 429s
            # and 5xx happen inside the retry loop.
            chunks = iter(
                self.transport.client.models.generate_content_stream(model=self.model, contents=prompt, config=config)
            )
            first = next(chunks, None)
            if first is None:
                raise RetryableError("empty stream")
            return _check_chunk(first), chunks

        try:
            first_text, chunks = self.transport.call(
                open_stream, tokens=self._tokens(request, prompt), what=f"stream {self.model}"
            )
        except Exception as exc:
            yield from self._degraded_stream(request, classify(exc))
            return
        sent: list[str] = []
        try:
            if first_text:
                sent.append(first_text)
                yield first_text
            for chunk in chunks:
                piece = _check_chunk(chunk)
                if piece:
                    sent.append(piece)
                    yield piece
        except Exception as exc:
            error = classify(exc)
            if not sent:
                yield from self._degraded_stream(request, error)
                return
            logger.warning("gemini stream broke after %d pieces (%s): %s", len(sent), error.kind, error)
            yield INTERRUPTED_NOTE
            yield self._answer(request, "".join(sent) + INTERRUPTED_NOTE, error)
            return
        if not "".join(sent).strip():
            yield from self._degraded_stream(request, RetryableError("empty answer"))
            return
        yield self._answer(request, "".join(sent))

    def _degraded_stream(self, request: AnswerRequest, error: ProviderError) -> Iterator[str | GeneratedAnswer]:
        answer = self._degrade(request, error)
        yield from word_pieces(answer.text)
        yield answer

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The text pieces of `stream_answer`."""
        for piece in self.stream_answer(request):
            if isinstance(piece, str):
                yield piece
