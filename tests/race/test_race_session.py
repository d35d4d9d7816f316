"""A race in the session file: every lane kept, the kept one in the history, all in the export."""

from __future__ import annotations

from qwen_tui.session import SessionStore

LANES = [
    {"provider": "sambanova", "model": "m1", "content": "Answer one.", "outcome": "complete",
     "timing": {"ttft_ms": 120.0, "tokens": 3}},
    {"provider": "ollama", "model": "m2", "content": "Answer two.", "outcome": "complete",
     "timing": {"ttft_ms": 300.0, "tokens": 3}},
    {"provider": "huggingface", "model": "m3", "content": "Ans", "outcome": "error",
     "error": "huggingface: the connection dropped (key hf_abcdefghijkl)"},
]


def test_the_kept_answer_joins_the_history_and_the_others_stay_in_the_file(tmp_path):
    store = SessionStore(tmp_path)
    session = store.create(tmp_path, title="race")
    store.append_user(session, "Which is faster?")
    store.append_race(session, LANES, kept=1, spread_ms=1.2)
    loaded = store.load(session.id)
    assert [(m.role, m.content) for m in loaded.history()] == [("user", "Which is faster?"),
                                                                 ("assistant", "Answer two.")]
    answer = loaded.turns[-1]
    assert answer.provider == "ollama" and answer.race
    assert [a["provider"] for a in answer.alternates] == ["sambanova", "huggingface"]
    raw = (tmp_path / f"{session.id}.jsonl").read_text()
    assert "hf_abcdefghijkl" not in raw  # errors are redacted like everything else
    export = store.export_markdown(loaded)
    assert "## Assistant · ollama / m2 (kept from a race)" in export
    assert export.index("Answer two.") < export.index("### Also in the race · sambanova / m1")
    assert "Answer one." in export and "### Also in the race · huggingface / m3" in export


def test_a_race_with_no_answer_kept_leaves_the_history_as_it_was(tmp_path):
    store = SessionStore(tmp_path)
    session = store.create(tmp_path)
    store.append_user(session, "First")
    writer = store.begin_answer(session, "sambanova", "m1")
    writer.update("Reply")
    writer.finish("complete")
    store.append_user(session, "Race this")
    store.append_race(session, LANES, kept=None)
    loaded = store.load(session.id)
    assert [m.content for m in loaded.history()] == ["First", "Reply"]
    assert loaded.turns[-1].role == "race" and len(loaded.turns[-1].alternates) == 3
    assert "## Race · no answer kept" in store.export_markdown(loaded)
