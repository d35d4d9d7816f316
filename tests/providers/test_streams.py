"""The SSE and NDJSON decoders: split anywhere, decode the same."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qwen_tui.providers.streams import DecodeError, NDJSONDecoder, SSEDecoder

TEXTS = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=30)


def sse_bytes(texts: list[str], crlf: bool = False) -> bytes:
    nl = "\r\n" if crlf else "\n"
    out = [f": ping{nl}{nl}"]
    for t in texts:
        out.append("data: " + json.dumps({"choices": [{"delta": {"content": t}}]}, ensure_ascii=False) + nl + nl)
    out.append(f"data: [DONE]{nl}{nl}")
    return "".join(out).encode("utf-8")


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    pieces.append(data[last:])
    return pieces


def decode_sse(pieces: list[bytes]) -> list[str]:
    dec = SSEDecoder()
    events = []
    for piece in pieces:
        events.extend(dec.feed(piece))
    events.extend(dec.flush())
    return [e.data for e in events]


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.lists(st.integers(min_value=0, max_value=10_000), max_size=40), st.booleans())
def test_sse_same_text_however_split(texts: list[str], cuts: list[int], crlf: bool) -> None:
    data = sse_bytes(texts, crlf)
    whole = decode_sse([data])
    assert decode_sse(split_at(data, cuts)) == whole
    decoded = [json.loads(d)["choices"][0]["delta"]["content"] for d in whole if d != "[DONE]"]
    assert decoded == texts
    assert whole[-1] == "[DONE]"


@settings(max_examples=100, deadline=None)
@given(TEXTS, st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_ndjson_same_objects_however_split(texts: list[str], cuts: list[int]) -> None:
    data = "".join(json.dumps({"message": {"content": t}}, ensure_ascii=False) + "\n" for t in texts).encode()
    dec = NDJSONDecoder()
    items = []
    for piece in split_at(data, cuts):
        items.extend(dec.feed(piece))
    items.extend(dec.flush())
    assert [i["message"]["content"] for i in items] == texts


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=400), max_size=10))
def test_arbitrary_bytes_raise_only_decode_error(data: bytes, cuts: list[int]) -> None:
    for decoder in (SSEDecoder(), NDJSONDecoder()):
        try:
            for piece in split_at(data, cuts):
                decoder.feed(piece)
            decoder.flush()
        except DecodeError:
            pass


def test_sse_fields_event_name_multiline_and_comments() -> None:
    dec = SSEDecoder()
    events = dec.feed(b": keep-alive\nevent: error\ndata: {\"a\":\ndata: 1}\nid: 7\nretry: 10\n\n")
    assert len(events) == 1
    assert events[0].event == "error"
    assert events[0].data == '{"a":\n1}'
    assert events[0].id == "7"


def test_sse_crlf_split_between_cr_and_lf() -> None:
    dec = SSEDecoder()
    events = dec.feed(b"data: x\r") + dec.feed(b"\n\r") + dec.feed(b"\ndata: y\r\n\r\n")
    assert [e.data for e in events] == ["x", "y"]


def test_utf8_split_inside_character() -> None:
    payload = "data: 漢字🚀\n\n".encode()
    cut = payload.index("🚀".encode()) + 2
    dec = SSEDecoder()
    assert dec.feed(payload[:cut]) == []
    assert [e.data for e in dec.feed(payload[cut:])] == ["漢字🚀"]


def test_invalid_utf8_line_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        SSEDecoder().feed(b"data: \xff\xfe\n\n")
    with pytest.raises(DecodeError):
        NDJSONDecoder().feed(b"{not json}\n")
