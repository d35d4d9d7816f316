"""The conversation core: the one streaming loop, the turns and their history, the session
writes, and provider health. The TUI, ``ask``, ``bench`` and the race drive it; no Textual here."""

from qwen_tui.conversation.conversation import Conversation
from qwen_tui.conversation.health import ProviderState, ProviderStatus
from qwen_tui.conversation.loop import Answer, AnswerSink, UnexpectedFailure, stream_answer
from qwen_tui.conversation.turn import Turn, history_messages

__all__ = ["Answer", "AnswerSink", "Conversation", "ProviderState", "ProviderStatus", "Turn",
           "UnexpectedFailure", "history_messages", "stream_answer"]
