"""The one streaming loop against the simulator: what the viewer is told, what is kept on a
failure, a cancellation, and an exception nobody planned for. No terminal."""

from __future__ import annotations

import asyncio
import gc

import pytest

from qwen_tui.conversation import Answer, AnswerSink, UnexpectedFailure, stream_answer
from qwen_tui.conversation.loop import no_full_collections
from qwen_tui.providers.base import ChatRequest, Message, ProviderError
from qwen_tui.sim import Fault

QUESTION = [Message("user", "hello")]
REPLY = "One, two, three, four, five, six, seven."


class Recorder(AnswerSink):
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def on_text(self, text: str) -> None:
        self.calls.append(("text", text))

    def on_phase(self, name, timing) -> None:
        self.calls.append(("phase", name))

    def on_finish(self, answer: Answer) -> None:
        self.calls.append(("finish", answer.outcome))

    def on_error(self, error: ProviderError, answer: Answer) -> None:
        self.calls.append(("error", error.message))

    def on_cancel(self, answer: Answer) -> None:
        self.calls.append(("cancel", answer.text))

    @property
    def text(self) -> str:
        return "".join(v for k, v in self.calls if k == "text")

    def kinds(self) -> list[str]:
        return [k for k, _ in self.calls]


@pytest.mark.parametrize("kind", ["sambanova", "ollama"])
async def test_the_answer_and_the_viewer_get_the_same_text(kind, make_provider, sim) -> None:
    sim.set_knobs(provider=kind, reply=REPLY, chunk_chars=4)
    sink = Recorder()
    answer = await stream_answer(make_provider(kind), ChatRequest(QUESTION), sink)
    assert answer.text == sink.text == REPLY
    assert answer.outcome == "complete" and answer.error is None
    assert answer.timing is not None and answer.timing.outcome == "complete" and answer.timing.provider == kind
    kinds = sink.kinds()
    assert kinds[-1] == "finish" and "phase" in kinds[: kinds.index("text")]


async def test_a_dropped_stream_keeps_the_partial_answer_and_raises_nothing(make_provider, sim) -> None:
    sim.set_knobs(provider="sambanova", reply=REPLY, chunk_chars=4)
    sim.push_fault(Fault(kind="drop", after_tokens=3), provider="sambanova")
    sink = Recorder()
    answer = await stream_answer(make_provider("sambanova"), ChatRequest(QUESTION), sink)
    assert answer.outcome == "error" and answer.timing.outcome == "error"
    assert answer.text == REPLY[:12] == sink.text
    assert sink.calls[-1][0] == "error" and sink.calls[-1][1].startswith("sambanova: ")
    assert answer.error is not None and "dropped" in answer.error.what


async def test_a_cancelled_answer_keeps_what_arrived_and_propagates(make_provider, sim) -> None:
    sim.set_knobs(provider="ollama", reply=REPLY * 50, chunk_chars=4, tps=200)
    sink = Recorder()
    answer = Answer()
    task = asyncio.ensure_future(stream_answer(make_provider("ollama"), ChatRequest(QUESTION), sink, answer))
    while not answer.parts:
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert answer.outcome == "cancelled" and sink.calls[-1] == ("cancel", answer.text)
    assert answer.text and (REPLY * 50).startswith(answer.text)


class Broken:
    """A provider (a plugin, say) whose stream fails with an exception of its own."""

    name = "plugin"
    needs_key = False

    async def stream(self, request):
        yield __import__("qwen_tui.providers.base", fromlist=["TextDelta"]).TextDelta("half ")
        raise KeyError("sk-secretsecretsecretsecret1234")


async def test_an_unexpected_exception_is_an_error_told_in_words_with_secrets_redacted() -> None:
    sink = Recorder()
    answer = await stream_answer(Broken(), ChatRequest(QUESTION), sink)
    assert isinstance(answer.error, UnexpectedFailure)
    assert answer.text == "half " and answer.outcome == "error"
    assert "unexpected error (KeyError" in answer.error.message
    assert "sk-secret" not in answer.error.message
    assert isinstance(answer.error.__cause__, KeyError)


def test_overlapping_streams_restore_the_collector_once_the_last_ends() -> None:
    before = gc.get_threshold()
    first, second = no_full_collections(), no_full_collections()
    first.__enter__()
    second.__enter__()
    assert gc.get_threshold()[2] >= 1_000_000
    first.__exit__(None, None, None)  # a race's first lane ends while another streams
    assert gc.get_threshold()[2] >= 1_000_000
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
