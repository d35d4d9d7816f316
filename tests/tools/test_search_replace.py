"""SEARCH/REPLACE blocks: parsed leniently, applied by the edit engine, failures told once."""

from __future__ import annotations

from qwen_tui.tools import SEARCH_REPLACE_PROMPT, Toolbox, failure_report, has_blocks, parse_blocks

ANSWER = """\
Here is the change.

src/app.py
```python
<<<<<<< SEARCH
def main():
    print('hi')
=======
def main():
    print('hello')
>>>>>>> REPLACE
```

And a new file:

```
`docs/notes.md`
<<<<<<< SEARCH
=======
# Notes
>>>>>>> REPLACE
```
"""


def test_parse_paths_fences_and_create() -> None:
    blocks, errors = parse_blocks(ANSWER)
    assert errors == []
    assert [(b.path, b.creates, b.line) for b in blocks] == [("src/app.py", False, 5), ("docs/notes.md", True, 18)]
    assert blocks[0].search == "def main():\n    print('hi')\n"
    assert blocks[0].replace == "def main():\n    print('hello')\n"
    assert blocks[1].search == "" and blocks[1].replace == "# Notes\n"
    assert has_blocks(ANSWER) and not has_blocks("no blocks here")


def test_parse_tolerates_decorated_paths_marker_lengths_and_repeated_files() -> None:
    text = ("Change **src/util.py**:\n<<<<<<<<< SEARCH\na\n=========\nb\n>>>>>>>>> REPLACE\n"
            "<<<<<<< SEARCH\nc\n=======\nd\n>>>>>>> REPLACE\n"
            "File: lib/x.py\r\n<<<<< SEARCH\r\ne\r\n=====\r\nf\r\n>>>>> REPLACE\r\n")
    blocks, errors = parse_blocks(text)
    assert errors == []
    assert [(b.path, b.search, b.replace) for b in blocks] == [
        ("src/util.py", "a\n", "b\n"), ("src/util.py", "c\n", "d\n"), ("lib/x.py", "e\n", "f\n")]


def test_malformed_blocks_are_reported_with_their_line() -> None:
    text = ("a.py\n<<<<<<< SEARCH\nold\n>>>>>>> REPLACE\n"  # no divider
            "b.py\n<<<<<<< SEARCH\nold\n=======\nnew\n")  # no end
    blocks, errors = parse_blocks(text)
    assert blocks == []
    assert [(e.line, e.message) for e in errors] == [
        (2, "a SEARCH block without its ======= line"),
        (6, "a SEARCH block without its >>>>>>> REPLACE line"),
    ]
    blocks, errors = parse_blocks("\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n")
    assert blocks == [] and [(e.line, e.message) for e in errors] == [
        (2, "no file path on the line before <<<<<<< SEARCH")]


def test_blocks_apply_through_the_edit_engine(tree) -> None:
    root, _ = tree
    box = Toolbox(root)
    answer = box.start_answer(context_files=["src/app.py"])
    outcome = answer.propose_blocks(ANSWER)
    assert outcome.failures == []
    by_path = {p.path: p for p in outcome.proposals}
    assert set(by_path) == {"src/app.py", "docs/notes.md"} and by_path["docs/notes.md"].created
    assert not (root / "docs").exists()  # proposed, not written
    results = answer.apply_many(outcome.proposals)
    assert all(r.ok for r in results)
    assert "print('hello')" in (root / "src/app.py").read_text()
    assert (root / "docs/notes.md").read_text() == "# Notes\n"
    assert box.checkpoints.undo().ok and not (root / "docs/notes.md").exists()


def test_several_blocks_on_one_file_make_one_proposal(tree) -> None:
    root, _ = tree
    text = ("src/util.py\n<<<<<<< SEARCH\ndef helper(x):\n=======\ndef helper(y):\n>>>>>>> REPLACE\n"
            "src/util.py\n<<<<<<< SEARCH\ndef other(x):\n=======\ndef other(z):\n>>>>>>> REPLACE\n")
    answer = Toolbox(root).start_answer(context_files=["src/util.py"])
    outcome = answer.propose_blocks(text)
    assert outcome.failures == [] and len(outcome.proposals) == 1
    assert outcome.proposals[0].added == 2 and outcome.proposals[0].removed == 2


def test_failing_blocks_read_like_edit_file_failures(tree) -> None:
    root, _ = tree
    text = ("src/util.py\n<<<<<<< SEARCH\n    return x + 1\n=======\n    return x\n>>>>>>> REPLACE\n"
            "src/app.py\n<<<<<<< SEARCH\ndef mian():\n    print('hi')\n=======\nx\n>>>>>>> REPLACE\n"
            "README.md\n<<<<<<< SEARCH\n=======\nnew\n>>>>>>> REPLACE\n"
            "src/util.py\n<<<<<<< SEARCH\ndef helper(x):\n=======\ndef helper(y):\n>>>>>>> REPLACE\n")
    answer = Toolbox(root).start_answer(context_files=["src/util.py", "README.md"])
    outcome = answer.propose_blocks(text)
    assert len(outcome.failures) == 3
    assert outcome.failures[0].startswith("block 1 (line 2, src/util.py): src/util.py: old_string appears 2 times")
    assert outcome.failures[1].startswith("block 2 (line 8, src/app.py): src/app.py: read it first")
    assert outcome.failures[2].startswith("block 3 (line 15, README.md): README.md: already exists")
    assert [p.path for p in outcome.proposals] == ["src/util.py"]  # block 4 still applies
    report = failure_report(outcome.failures)
    assert report.startswith("These SEARCH/REPLACE blocks were not applied:\n- block 1")
    read_first = Toolbox(root).start_answer()
    assert read_first.run("read_file", {"path": "src/app.py"}).ok
    typo = "src/app.py\n<<<<<<< SEARCH\ndef mian():\n    print('hi')\n=======\nx\n>>>>>>> REPLACE\n"
    closest = read_first.propose_blocks(typo)
    assert closest.failures[0].startswith("block 1 (line 2, src/app.py): src/app.py: old_string was not found")
    assert "The closest lines are 4-5" in closest.failures[0]


def test_a_search_without_the_final_newline_of_the_file_still_matches(tree) -> None:
    root, _ = tree
    (root / "n.txt").write_text("one\ntwo")
    answer = Toolbox(root).start_answer(context_files=["n.txt"])
    outcome = answer.propose_blocks("n.txt\n<<<<<<< SEARCH\ntwo\n=======\n2\n>>>>>>> REPLACE\n")
    assert outcome.failures == [] and outcome.proposals[0].new == b"one\n2"


def test_the_prompt_teaches_the_exact_format() -> None:
    assert "<<<<<<< SEARCH\n" in SEARCH_REPLACE_PROMPT and "=======\n" in SEARCH_REPLACE_PROMPT
    assert ">>>>>>> REPLACE\n" in SEARCH_REPLACE_PROMPT and "leave the SEARCH part empty" in SEARCH_REPLACE_PROMPT
    blocks, errors = parse_blocks(SEARCH_REPLACE_PROMPT)
    assert errors == [] and blocks[0].path == "path/to/file.py"
