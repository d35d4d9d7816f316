"""Property tests beyond tests/providers/test_streams.py: the decoders' output does not depend on
how the bytes were split, for any bytes (not only valid streams); the providers' stream readers
raise only ProviderError whatever the server sends; the config and theme loaders raise only
ConfigError / ThemeFileError, whatever the file holds."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import httpx
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qwen_tui.config import ConfigError, load_config
from qwen_tui.providers.base import ProviderError, ProviderSettings, TextDelta
from qwen_tui.providers.ollama import OllamaProvider
from qwen_tui.providers.openai_compat import OpenAICompatProvider
from qwen_tui.providers.streams import DecodeError, NDJSONDecoder, SSEDecoder
from qwen_tui.ui.themes import ThemeFileError, load_theme_file
from qwen_tui.timing import RequestTiming

pytestmark = pytest.mark.slow  # hypothesis runs each property on many inputs

CUTS = st.lists(st.integers(min_value=0, max_value=2000), max_size=30)
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    pieces.append(data[last:])
    return pieces


def run_decoder(make, pieces: list[bytes]) -> tuple[list, bool]:
    decoder, out = make(), []
    try:
        for piece in pieces:
            out.extend(decoder.feed(piece))
        out.extend(decoder.flush())
    except DecodeError:
        return out, True
    return out, False


# Bytes that look like a stream: line ends of every kind, fields, JSON-ish text, invalid UTF-8.
STREAMISH = st.lists(st.sampled_from([b"data: ", b"event: error\n", b": ping\n", b"\n", b"\r\n", b"\r", b"{",
                                      b"}", b'"content":"x"', b"\xe6\xbc", b"\xa2", b"[DONE]", b"id: 7\n"])
                     | st.binary(max_size=8), max_size=40).map(b"".join)


@SETTINGS
@given(STREAMISH, CUTS)
def test_sse_any_bytes_decode_the_same_however_split(data: bytes, cuts: list[int]) -> None:
    whole, whole_failed = run_decoder(SSEDecoder, [data])
    split, split_failed = run_decoder(SSEDecoder, split_at(data, cuts))
    assert split_failed == whole_failed
    if not whole_failed:
        assert split == whole


@SETTINGS
@given(STREAMISH, CUTS)
def test_ndjson_any_bytes_decode_the_same_however_split(data: bytes, cuts: list[int]) -> None:
    whole, whole_failed = run_decoder(NDJSONDecoder, [data])
    split, split_failed = run_decoder(NDJSONDecoder, split_at(data, cuts))
    assert split_failed == whole_failed
    if not whole_failed:
        assert split == whole


class Body(httpx.AsyncByteStream):
    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    async def __aiter__(self):
        for piece in self.pieces:
            yield piece


async def read_all(provider, pieces: list[bytes]) -> str:
    resp = httpx.Response(200, stream=Body(pieces))
    text = []
    async for event in provider.decode(resp, RequestTiming(provider.name, "m"), []):
        if isinstance(event, TextDelta):
            text.append(event.text)
    return "".join(text)


def outcome(provider, pieces: list[bytes]) -> str | type:
    try:
        return asyncio.run(read_all(provider, pieces))
    except ProviderError as exc:
        return type(exc)


OPENAI = OpenAICompatProvider(ProviderSettings("fuzz", "openai", "http://127.0.0.1:9/v1", "m"))
OLLAMA = OllamaProvider(ProviderSettings("fuzz", "ollama", "http://127.0.0.1:9", "m"))
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                           st.sampled_from(["choices", "delta", "content", "message", "done", "error",
                                            "usage", "eval_count", "eval_duration", "finish_reason",
                                            "prompt_eval_count", "completion_tokens"]), inner, max_size=4),
                       max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.lists(JSONISH, max_size=6), CUTS)
def test_sse_reader_raises_only_provider_errors(items: list, cuts: list[int]) -> None:
    data = b"".join(b"data: " + json.dumps(i).encode() + b"\n\n" for i in items) + b"data: [DONE]\n\n"
    result = outcome(OPENAI, split_at(data, cuts))
    assert isinstance(result, str) or issubclass(result, ProviderError)


@settings(max_examples=150, deadline=None)
@given(st.lists(JSONISH, max_size=6), CUTS)
def test_ndjson_reader_raises_only_provider_errors(items: list, cuts: list[int]) -> None:
    data = b"".join(json.dumps(i).encode() + b"\n" for i in items)
    result = outcome(OLLAMA, split_at(data, cuts))
    assert isinstance(result, str) or issubclass(result, ProviderError)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=20), CUTS)
def test_a_valid_stream_reads_the_same_however_split(texts: list[str], cuts: list[int]) -> None:
    sse = b"".join(b"data: " + json.dumps({"choices": [{"delta": {"content": t}}]}).encode() + b"\n\n"
                   for t in texts) + b"data: [DONE]\n\n"
    nd = b"".join(json.dumps({"message": {"content": t}, "done": False}).encode() + b"\n" for t in texts)
    nd += json.dumps({"message": {"content": ""}, "done": True}).encode() + b"\n"
    assert outcome(OPENAI, split_at(sse, cuts)) == "".join(texts)
    assert outcome(OLLAMA, split_at(nd, cuts)) == "".join(texts)


@pytest.mark.parametrize("value", ["Infinity", "NaN", "-1", "true"])
def test_ndjson_reader_non_finite_counts(value: str) -> None:
    """Ollama's own figures that are not finite counts are left out, never a crash."""
    line = ('{"message": {"content": "x"}, "done": true, "eval_count": %s, "eval_duration": 1}\n' % value).encode()
    assert asyncio.run(read_all(OLLAMA, [line])) == "x"


# -- config and theme loaders --------------------------------------------------------------------

TOML_VALUES = st.recursive(
    st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
    max_leaves=10)
CONFIG_KEYS = st.sampled_from(["default_provider", "theme", "providers", "context", "keys", "huggingface",
                               "ollama", "blaxel", "kind", "base_url", "model", "api_key_env", "read_timeout",
                               "first_byte_timeout", "max_file_kb", "workspace", "api_url", "app.help"])
CONFIG_TABLES = st.recursive(TOML_VALUES, lambda inner: st.dictionaries(CONFIG_KEYS, inner, max_size=4),
                             max_leaves=12)
THEME_KEYS = st.sampled_from(["name", "primary", "secondary", "background", "surface", "dark", "variables",
                              "code_theme", "accent", "foreground", "error", "ansi"])
THEME_TABLES = st.dictionaries(THEME_KEYS, TOML_VALUES | st.sampled_from(["#ff0000", "red", "ansi_red", "x"]),
                               max_size=8)


def load_bytes(loader, data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"file{suffix}"
        path.write_bytes(data)
        return loader(path)


def config_loader(path: Path):
    return load_config(path, env={})


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_config_loader_any_bytes(data: bytes) -> None:
    try:
        load_bytes(config_loader, data, ".toml")
    except ConfigError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(CONFIG_KEYS, CONFIG_TABLES, max_size=5))
def test_config_loader_any_table(table: dict) -> None:
    try:
        load_bytes(config_loader, tomli_w.dumps(table).encode(), ".toml")
    except ConfigError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_theme_loader_any_bytes(data: bytes) -> None:
    try:
        load_bytes(load_theme_file, data, ".toml")
    except ThemeFileError:
        pass


@settings(max_examples=200, deadline=None)
@given(THEME_TABLES)
def test_theme_loader_any_table(table: dict) -> None:
    try:
        load_bytes(load_theme_file, tomli_w.dumps(table).encode(), ".toml")
    except ThemeFileError:
        pass
