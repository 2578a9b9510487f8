"""The one offline fallback: whatever goes wrong with a generator, the person still gets an answer.

`OfflineFallback` wraps any `AnswerGenerator` (the Gemini one, or a test's) and is the only place
that decides to fall back and marks an answer `degraded=True` with the error class: a failure or an
empty answer gives the offline composer's answer instead (streamed as word pieces). A stream that
breaks after text was sent cannot take it back: the partial answer ends with a note and is marked
degraded under the provider's name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from aptichat.llm.errors import RetryableError
from aptichat.llm.offline import OfflineComposer
from aptichat.llm.text import word_pieces
from aptichat.llm.types import AnswerGenerator, AnswerRequest, GeneratedAnswer, cited_numbers

logger = logging.getLogger(__name__)
INTERRUPTED_NOTE = "\n\n(My answer was cut off - please ask again if you'd like the rest.)"


def error_kind(error: BaseException) -> str:
    """The error class recorded on a degraded answer: a ProviderError's kind, else the exception's name."""
    return str(getattr(error, "kind", type(error).__name__))


class OfflineFallback:
    """`primary`, with the offline composer standing in whenever it fails or answers nothing."""

    def __init__(self, primary: AnswerGenerator, fallback: OfflineComposer | None = None) -> None:
        self.primary = primary
        self.fallback = fallback or OfflineComposer()
        self.name = primary.name

    def degrade(self, request: AnswerRequest, error: BaseException) -> GeneratedAnswer:
        """The offline answer, marked degraded with the error class."""
        logger.warning("%s failed (%s), using the offline composer: %s", self.name, error_kind(error), error)
        answer = self.fallback.generate(request)
        return answer.model_copy(update={"degraded": True, "error": error_kind(error)})

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        """The primary's answer, or the degraded offline one; never raises."""
        try:
            answer = self.primary.generate(request)
            if not answer.text.strip():
                raise RetryableError("empty answer")
        except Exception as exc:
            return self.degrade(request, exc)
        return answer

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """The primary's pieces and answer; on failure before any text, the degraded offline answer
        streamed; after some text, that text plus a note, marked degraded. Never raises."""
        sent: list[str] = []
        final: GeneratedAnswer | None = None
        try:
            for piece in self.primary.stream_answer(request):
                if isinstance(piece, GeneratedAnswer):
                    final = piece
                    break
                if piece:
                    sent.append(piece)
                    yield piece
        except Exception as exc:
            if not sent:
                yield from self._degraded_stream(request, exc)
                return
            logger.warning("%s stream broke after %d pieces (%s): %s", self.name, len(sent), error_kind(exc), exc)
            text = "".join(sent) + INTERRUPTED_NOTE
            yield INTERRUPTED_NOTE
            yield GeneratedAnswer(
                text=text,
                citations=cited_numbers(text, request.sections),
                provider=self.name,
                degraded=True,
                error=error_kind(exc),
            )
            return
        if not "".join(sent).strip():
            yield from self._degraded_stream(request, RetryableError("empty answer"))
            return
        yield final if final is not None else GeneratedAnswer(text="".join(sent), provider=self.name)

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The text pieces of `stream_answer`."""
        for piece in self.stream_answer(request):
            if isinstance(piece, str):
                yield piece

    def _degraded_stream(self, request: AnswerRequest, error: BaseException) -> Iterator[str | GeneratedAnswer]:
        answer = self.degrade(request, error)
        yield from word_pieces(answer.text)
        yield answer


def with_offline_fallback(generator: AnswerGenerator) -> OfflineFallback:
    """`generator` behind the offline fallback (unchanged when it already is)."""
    return generator if isinstance(generator, OfflineFallback) else OfflineFallback(generator)
