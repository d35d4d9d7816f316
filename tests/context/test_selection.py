"""Selections: parsing, de-duplication, persistence as a list, folder expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_tui.context import (
    BinaryFile,
    InvalidSpec,
    NotFound,
    OutsideRoot,
    ProjectIndex,
    Selection,
    SelectionEntry,
    parse_spec,
)

from .helpers import write


def test_parse_specs() -> None:
    assert parse_spec("@src/a.py:10-40") == SelectionEntry("src/a.py", (10, 40))
    assert parse_spec("a.py:7") == SelectionEntry("a.py", (7, 7))
    assert parse_spec("./src/../lib/") == SelectionEntry("lib/")
    assert parse_spec(".") == SelectionEntry("./")
    for bad in ("a.py:40-10", "a.py:0-3", "@", "src/:1-2"):
        with pytest.raises(InvalidSpec):
            parse_spec(bad)
    with pytest.raises(OutsideRoot):
        parse_spec("../etc/passwd")


def test_dedup_covering_and_merging() -> None:
    sel = Selection()
    assert sel.add("a.py:10-20")
    assert sel.add("a.py:15-30")  # overlaps: merged
    assert sel.add("a.py:31-35")  # touches: merged
    assert sel.to_list() == ["a.py:10-35"]
    assert not sel.add("a.py:12-14")  # inside
    assert sel.add("a.py:50-60")
    assert sel.add("a.py")  # whole file replaces its ranges
    assert sel.to_list() == ["a.py"]
    assert not sel.add("a.py:1-3")
    assert not sel.add("@a.py")
    assert sel.add("src/x.py") and sel.add("src/y.py:3")
    assert sel.add("src/")  # folder replaces what it covers
    assert sel.to_list() == ["a.py", "src/"]
    assert not sel.add("src/deep/z.py")
    assert sel.remove("a.py") and not sel.remove("a.py")
    sel.clear()
    assert sel.entries == []


def test_round_trip_through_a_plain_list() -> None:
    sel = Selection()
    for spec in ("src/", "b.py:3-9", "c.py"):
        sel.add(spec)
    again = Selection.from_list(sel.to_list())
    assert again.entries == sel.entries
    mixed = Selection.from_list(["ok.py", "bad.py:9-1", "../up.py"])
    assert mixed.to_list() == ["ok.py"] and mixed.dropped == ["bad.py:9-1", "../up.py"]


def test_add_with_an_index_checks_the_path(tmp_path: Path) -> None:
    root = tmp_path / "p"
    write(root, "src/a.py")
    idx = ProjectIndex(root)
    idx.build()
    sel = Selection()
    assert sel.add("src", idx)  # a folder, recognised without the slash
    assert sel.to_list() == ["src/"]
    with pytest.raises(NotFound):
        sel.add("missing.py", idx)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, ProjectIndex]:
    root = tmp_path / "proj"
    write(root, ".gitignore", "*.log\n")
    write(root, "src/a.py", "A = 1\n")
    write(root, "src/b.py", "".join(f"b{i}\n" for i in range(1, 21)))
    write(root, "src/debug.log", "noise\n")
    write(root, "src/.env", "API_KEY=abc\n")
    write(root, "src/logo.png", b"\x89PNG\x00\x00")
    write(tmp_path, "elsewhere.txt", "outside\n")
    (root / "src" / "escape.txt").symlink_to(tmp_path / "elsewhere.txt")
    write(root, "top.py", "T = 0\n")
    idx = ProjectIndex(root)
    idx.build()
    return root, idx


def test_expand_folder_honours_rules_and_skips_with_notes(project: tuple[Path, ProjectIndex]) -> None:
    _, idx = project
    sel = Selection()
    sel.add("src/")
    sel.add("src/b.py:2-3")  # covered by the folder: ignored
    sel.add("top.py:1")
    files, notes = sel.expand(idx)
    by_label = {f.label: f for f in files}
    assert sorted(by_label) == ["src/a.py", "src/b.py", "top.py:1-1"]
    assert by_label["src/a.py"].text == "A = 1\n"
    assert by_label["top.py:1-1"].text == "T = 0\n"
    joined = "\n".join(notes)
    assert "src/logo.png: binary file" in joined
    assert "src/escape.txt: outside the project folder" in joined
    assert "src/.env: looks like a secrets file" in joined
    assert "debug.log" not in joined  # ignored files are simply not there


def test_expand_named_files_strict_raises_lenient_notes(project: tuple[Path, ProjectIndex]) -> None:
    _, idx = project
    for spec, error in (("src/logo.png", BinaryFile), ("src/escape.txt", OutsideRoot)):
        sel = Selection([SelectionEntry(spec)])
        with pytest.raises(error):
            sel.expand(idx, strict=True)
        files, notes = sel.expand(idx)
        assert files == [] and len(notes) == 1
    # a secret named on its own is sent: the user asked for it by name
    files, _ = Selection([SelectionEntry("src/.env")]).expand(idx, strict=True)
    assert files[0].text == "API_KEY=abc\n"


def test_two_ranges_of_one_file_and_dedup_across_entries(project: tuple[Path, ProjectIndex]) -> None:
    _, idx = project
    sel = Selection()
    sel.add("src/b.py:1-2")
    sel.add("src/b.py:10-11")
    files, notes = sel.expand(idx)
    assert [f.label for f in files] == ["src/b.py:1-2", "src/b.py:10-11"]
    assert [f.text for f in files] == ["b1\nb2\n", "b10\nb11\n"]
    assert notes == []


def test_big_folder_is_refused_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "p"
    for i in range(30):
        write(root, f"gen/{i}.py", f"v = {i}\n")
    idx = ProjectIndex(root)
    idx.build()
    sel = Selection()
    sel.add("gen/")
    files, notes = sel.expand(idx, max_folder_files=10)
    assert files == [] and "30 files" in notes[0]
    files, notes = sel.expand(idx, max_folder_files=None)
    assert len(files) == 30 and notes == []


@pytest.mark.parametrize("name", [
    ".env", ".env.local", ".env.", "prod.env", ".ENV", ".envrc", "server.pem", "tls.KEY", "a.p12", "a.pfx",
    "release.keystore", "app.jks", "id_rsa", "id_rsa.pub", "id_dsa", "id_ecdsa_sk", "id_ed25519", ".netrc",
    ".npmrc", ".pypirc", ".pgpass", "credentials", "credentials.json", "api.secret", "secrets.yaml", "secrets.",
    ".htpasswd", "vault.kdbx", "secrets", "env", "a.envx", "my.env.bak", "id_rs", "credentials.yaml",
    "keystore", "pem", "main.py", ".env.example", "secrets.sample.toml", "id_rsa.template", "src/.env",
    "deep/dir/ID_RSA", "notes.secret.md",
])
def test_looks_secret_matches_the_name_patterns_as_fnmatch_does(name):
    import fnmatch
    from pathlib import PurePosixPath

    from qwen_tui.context.selection import SECRET_NAME_PATTERNS, looks_secret

    base = PurePosixPath(name).name.lower()
    expected = not base.endswith((".example", ".sample", ".template")) and any(
        fnmatch.fnmatchcase(base, pattern) for pattern in SECRET_NAME_PATTERNS)
    assert looks_secret(name) is expected
    assert looks_secret(".env") and looks_secret("x/id_ed25519.pub") and not looks_secret("main.py")
