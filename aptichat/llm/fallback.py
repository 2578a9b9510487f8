"""The one offline fallback: whatever goes wrong with a generator, the person still gets an answer.

`OfflineFallback` wraps any `AnswerGenerator` (the Gemini one, or a test's) and is the only place
that decides to fall back and marks an answer `degraded=True` with the error class: a failure or an
empty answer gives the offline composer's answer instead (streamed as word pieces).

It also gates every answer of a provider other than the offline composer on the faithfulness check
(`aptichat.llm.faithfulness.check_answer`), on the provider's raw text, before any cleaning (stripping
unknown citations would hide a dangling "[9]"). An answer with problems is regenerated once with the
problems named (`AnswerRequest.revision_notes`); a second failure gives the offline composer's answer,
degraded, error "unfaithful". The outcome is recorded on `GeneratedAnswer.faithfulness` (the API
counts it in /metrics). The composer's own answer is never checked here: it is the last resort.

Streamed text cannot be taken back, so with the check on the provider's stream is buffered: its whole
answer is collected and checked, and only the accepted text is streamed, as word pieces. A stream
that breaks after some text keeps that text (if it passes the check) and ends with a note, marked
degraded under the provider's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Literal

from aptichat.llm.errors import RetryableError
from aptichat.llm.faithfulness import FaithfulnessReport, check_answer
from aptichat.llm.offline import OfflineComposer
from aptichat.llm.text import word_pieces
from aptichat.llm.types import AnswerGenerator, AnswerRequest, FaithfulnessOutcome, GeneratedAnswer, cited_numbers

logger = logging.getLogger(__name__)
INTERRUPTED_NOTE = "\n\n(My answer was cut off - please ask again if you'd like the rest.)"
UNFAITHFUL = "unfaithful"
# At most this many problems are named in a regeneration prompt (an answer echoing its whole prompt
# could have hundreds).
MAX_NAMED_PROBLEMS = 8


def error_kind(error: BaseException) -> str:
    """The error class recorded on a degraded answer: a ProviderError's kind, else the exception's name."""
    return str(getattr(error, "kind", type(error).__name__))


def revision_notes(report: FaithfulnessReport) -> str:
    """What a regeneration prompt says about the previous answer's problems."""
    named = FaithfulnessReport(problems=report.problems[:MAX_NAMED_PROBLEMS])
    return named.feedback() + "\nAnswer again using only the numbers in the sections."


class _Interrupted(Exception):
    """A stream that failed after sending `text`."""

    def __init__(self, text: str, error: BaseException) -> None:
        super().__init__(str(error))
        self.text, self.error = text, error


class OfflineFallback:
    """`primary`, with the offline composer standing in whenever it fails, answers nothing or (when
    `check_faithfulness`, the default for any primary but the offline composer) answers unfaithfully twice."""

    def __init__(
        self,
        primary: AnswerGenerator,
        fallback: OfflineComposer | None = None,
        *,
        check_faithfulness: bool | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback or OfflineComposer()
        self.name = primary.name
        self.check_faithfulness = (
            not isinstance(primary, OfflineComposer) if check_faithfulness is None else check_faithfulness
        )

    def degrade(self, request: AnswerRequest, error: BaseException) -> GeneratedAnswer:
        """The offline answer, marked degraded with the error class."""
        logger.warning("%s failed (%s), using the offline composer: %s", self.name, error_kind(error), error)
        answer = self.fallback.generate(request)
        return answer.model_copy(update={"degraded": True, "error": error_kind(error)})

    def generate(self, request: AnswerRequest) -> GeneratedAnswer:
        """The primary's (checked) answer, or the degraded offline one; never raises."""
        try:
            answer = self._primary_answer(request)
        except Exception as exc:
            return self.degrade(request, exc)
        if not self.check_faithfulness:
            return answer
        return self._checked(request, answer, self._primary_answer)

    def stream_answer(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """Text pieces, then the GeneratedAnswer; on failure before any text, the degraded offline
        answer streamed; after some text, that text plus a note, marked degraded. Never raises.
        With the faithfulness check on, nothing is sent before the whole answer passed it."""
        if not self.check_faithfulness:
            yield from self._stream_unchecked(request)
            return
        try:
            answer = self._collect(request)
        except _Interrupted as broken:
            yield from self._interrupted(request, broken)
            return
        except Exception as exc:
            yield from self._degraded_stream(request, exc)
            return
        answer = self._checked(request, answer, self._collect)
        yield from word_pieces(answer.text)
        yield answer

    def stream(self, request: AnswerRequest) -> Iterator[str]:
        """The text pieces of `stream_answer`."""
        for piece in self.stream_answer(request):
            if isinstance(piece, str):
                yield piece

    # -- the faithfulness gate -------------------------------------------------------------------

    def _checked(
        self,
        request: AnswerRequest,
        answer: GeneratedAnswer,
        regenerate: Callable[[AnswerRequest], GeneratedAnswer],
    ) -> GeneratedAnswer:
        """`answer` if it passes the check, else one regeneration that passes, else the offline answer."""
        report = check_answer(answer.text, request.sections)
        if report.ok:
            return self._outcome(answer, "passed", [])
        problems = report.kinds()
        logger.info("%s answer failed the faithfulness check (%s): regenerating once", self.name, problems)
        retry = request.model_copy(update={"revision_notes": revision_notes(report)})
        try:
            second = regenerate(retry)
        except Exception as exc:  # the first answer stays unfaithful: that is why the person gets the composer's
            logger.warning("%s regeneration failed (%s): %s", self.name, error_kind(exc), exc)
            return self._unfaithful(request, problems)
        second_report = check_answer(second.text, request.sections)
        if second_report.ok:
            return self._outcome(second, "passed_after_retry", problems)
        return self._unfaithful(request, problems + second_report.kinds())

    def _outcome(
        self,
        answer: GeneratedAnswer,
        outcome: Literal["passed", "passed_after_retry", "fell_back"],
        problems: list[str],
    ) -> GeneratedAnswer:
        checked = FaithfulnessOutcome(provider=self.name, outcome=outcome, problems=problems)
        return answer.model_copy(update={"faithfulness": checked})

    def _unfaithful(self, request: AnswerRequest, problems: list[str]) -> GeneratedAnswer:
        logger.warning("%s answered unfaithfully twice (%s): using the offline composer", self.name, problems)
        answer = self.fallback.generate(request)
        answer = answer.model_copy(update={"degraded": True, "error": UNFAITHFUL})
        return self._outcome(answer, "fell_back", problems)

    # -- the primary -----------------------------------------------------------------------------

    def _primary_answer(self, request: AnswerRequest) -> GeneratedAnswer:
        answer = self.primary.generate(request)
        if not answer.text.strip():
            raise RetryableError("empty answer")
        return answer

    def _collect(self, request: AnswerRequest) -> GeneratedAnswer:
        """The primary's whole streamed answer; raises `_Interrupted` when it broke after some text."""
        sent: list[str] = []
        final: GeneratedAnswer | None = None
        try:
            for piece in self.primary.stream_answer(request):
                if isinstance(piece, GeneratedAnswer):
                    final = piece
                    break
                if piece:
                    sent.append(piece)
        except Exception as exc:
            if "".join(sent).strip():
                raise _Interrupted("".join(sent), exc) from exc
            raise
        text = "".join(sent)
        if not text.strip():
            raise RetryableError("empty answer")
        if final is None:
            return GeneratedAnswer(text=text, citations=cited_numbers(text, request.sections), provider=self.name)
        return final.model_copy(update={"text": text})

    def _interrupted(self, request: AnswerRequest, broken: _Interrupted) -> Iterator[str | GeneratedAnswer]:
        """A buffered stream broke after some text: that text (if faithful) with a note, degraded."""
        report = check_answer(broken.text, request.sections)
        if not report.ok:
            answer = self._unfaithful(request, report.kinds())
            yield from word_pieces(answer.text)
            yield answer
            return
        logger.warning("%s stream broke after some text (%s): %s", self.name, error_kind(broken.error), broken.error)
        yield from word_pieces(broken.text)
        yield INTERRUPTED_NOTE
        yield self._outcome(self._cut_off(request, broken.text, broken.error), "passed", [])

    def _stream_unchecked(self, request: AnswerRequest) -> Iterator[str | GeneratedAnswer]:
        """The primary's pieces as they come (the offline composer, or the check turned off)."""
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
            yield INTERRUPTED_NOTE
            yield self._cut_off(request, "".join(sent), exc)
            return
        if not "".join(sent).strip():
            yield from self._degraded_stream(request, RetryableError("empty answer"))
            return
        yield final if final is not None else GeneratedAnswer(text="".join(sent), provider=self.name)

    def _cut_off(self, request: AnswerRequest, text: str, error: BaseException) -> GeneratedAnswer:
        """What a stream that broke after `text` ends with: the text and the note, degraded."""
        text += INTERRUPTED_NOTE
        return GeneratedAnswer(
            text=text,
            citations=cited_numbers(text, request.sections),
            provider=self.name,
            degraded=True,
            error=error_kind(error),
        )

    def _degraded_stream(self, request: AnswerRequest, error: BaseException) -> Iterator[str | GeneratedAnswer]:
        answer = self.degrade(request, error)
        yield from word_pieces(answer.text)
        yield answer


def with_offline_fallback(generator: AnswerGenerator) -> OfflineFallback:
    """`generator` behind the offline fallback (unchanged when it already is)."""
    return generator if isinstance(generator, OfflineFallback) else OfflineFallback(generator)
