"""Reading files safely, on real files: symlinks, binary, huge, unreadable, encodings."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from qwen_tui.context import BinaryFile, InvalidSpec, NotFound, OutsideRoot, ProjectIndex, Unreadable

from .helpers import write

MB = 1024 * 1024


@pytest.fixture
def root(tmp_path: Path) -> Path:
    r = tmp_path / "proj"
    r.mkdir()
    return r


def _index(root: Path, **kw) -> ProjectIndex:  # type: ignore[no-untyped-def]
    idx = ProjectIndex(root, **kw)
    idx.build()
    return idx


def test_symlink_escaping_the_root_is_refused_with_its_target(root: Path, tmp_path: Path) -> None:
    outside = write(tmp_path, "outside/secret.txt", "top secret\n")
    (root / "link.txt").symlink_to(outside)
    write(root, "real.txt", "inside\n")
    (root / "ok_link.txt").symlink_to(root / "real.txt")
    idx = _index(root)
    with pytest.raises(OutsideRoot) as err:
        idx.resolve("link.txt")
    assert "link.txt" in str(err.value) and str(outside) in str(err.value)
    with pytest.raises(OutsideRoot):
        idx.read("link.txt")
    assert idx.read("ok_link.txt").text == "inside\n"
    for bad in ("../outside/secret.txt", "src/../../outside/secret.txt", str(outside)):
        with pytest.raises(OutsideRoot):
            idx.resolve(bad)


def test_missing_file_and_dangling_link(root: Path) -> None:
    (root / "dangling").symlink_to(root / "gone")
    idx = _index(root)
    with pytest.raises(NotFound):
        idx.resolve("nope.py")
    with pytest.raises(NotFound):
        idx.read("dangling")


def test_binary_file_is_refused(root: Path) -> None:
    write(root, "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(root, "noise.bin", bytes([0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xFF] * 200))
    idx = _index(root)
    for name in ("image.png", "noise.bin"):
        with pytest.raises(BinaryFile):
            idx.resolve(name)
        with pytest.raises(BinaryFile):
            idx.read(name)


def _rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar")


def test_50_mb_file_is_cut_without_being_read_whole(root: Path) -> None:
    line = b"0123456789 abcdefghij 0123456789 abcdefghij 0123456789 abcdefghij 012345\n"  # 74 bytes
    with open(root / "huge.log", "wb") as f:
        chunk = line * (MB // len(line))
        for _ in range(50):
            f.write(chunk)
    size = (root / "huge.log").stat().st_size
    assert size > 49 * MB
    idx = _index(root, max_file_bytes=256 * 1024)
    tracemalloc.start()
    before = _rchar()
    content = idx.read("huge.log")
    read_bytes = _rchar() - before
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert content.truncated
    assert read_bytes < 1 * MB, f"read {read_bytes:,} bytes of a {size:,}-byte file"
    assert content.bytes_read <= 256 * 1024 + 1
    assert peak < 4 * MB, f"peak memory {peak:,} bytes"
    body, marker = content.text.rsplit("\n", 2)[0], content.text.rstrip("\n").rsplit("\n", 1)[1]
    assert marker.startswith("[qwen-tui: file cut here.") and f"{size:,}" in marker
    assert body.endswith(line.decode().rstrip("\n"))  # cut at a line end, no half line
    assert len(content.text.encode()) < 256 * 1024 + 300
    # a line range deep inside is read line by line, never whole
    before = _rchar()
    tracemalloc.start()
    far = idx.read("huge.log", (400_000, 400_002))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert far.text == line.decode() * 3
    assert peak < 4 * MB


def test_unreadable_file_is_reported_not_fatal(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # We run as root, so chmod 000 would still be readable: make the kernel refuse this one path.
    locked = write(root, "locked.py", "x = 1\n")
    locked.chmod(0)
    write(root, "fine.py", "y = 2\n")
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path) == locked and os.geteuid() == 0:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    idx = _index(root)
    with pytest.raises(Unreadable) as err:
        idx.read("locked.py")
    assert "permission denied" in str(err.value)
    assert idx.read("fine.py").text == "y = 2\n"


def test_fifo_and_folder_are_unreadable_and_do_not_block(root: Path) -> None:
    os.mkfifo(root / "pipe.txt")
    (root / "folder.py").mkdir()
    idx = _index(root)
    with pytest.raises(Unreadable) as err:
        idx.read("pipe.txt")  # opening a FIFO for reading would block without O_NONBLOCK
    assert "FIFO" in str(err.value)
    with pytest.raises(Unreadable):
        idx.read("folder.py")


def test_latin1_text_decoded_with_a_stated_fallback(root: Path) -> None:
    write(root, "old.txt", "café crème, naïve façade\n".encode("latin-1"))
    content = _index(root).read("old.txt")
    assert content.text == "café crème, naïve façade\n"
    assert content.encoding == "latin-1"
    assert content.note and "Latin-1" in content.note


def test_crlf_is_sent_as_lf_and_ranges_count_lines(root: Path) -> None:
    write(root, "win.py", b"a = 1\r\nb = 2\r\nc = 3\r\n")
    idx = _index(root)
    assert idx.read("win.py").text == "a = 1\nb = 2\nc = 3\n"
    part = idx.read("win.py", (2, 3))
    assert part.text == "b = 2\nc = 3\n" and part.line_range == (2, 3)


def test_empty_file(root: Path) -> None:
    write(root, "empty.py", b"")
    content = _index(root).read("empty.py")
    assert content.text == "" and not content.truncated and content.note == "empty file"


def test_utf8_cut_never_splits_a_character(root: Path) -> None:
    write(root, "u.txt", "é" * 3000)  # 6000 bytes, no newline
    content = _index(root, max_file_bytes=1001).read("u.txt")
    assert content.truncated
    kept = content.text.split("\n")[0]
    assert kept == "é" * 500


def test_line_ranges(root: Path) -> None:
    write(root, "n.py", "".join(f"line {i}\n" for i in range(1, 101)))
    idx = _index(root)
    assert idx.read("n.py", (10, 12)).text == "line 10\nline 11\nline 12\n"
    tail = idx.read("n.py", (99, 150))
    assert tail.text == "line 99\nline 100\n" and tail.line_range == (99, 100)
    with pytest.raises(InvalidSpec) as err:
        idx.read("n.py", (200, 210))
    assert "100 lines" in str(err.value)


def test_utf16_with_bom_and_utf8_bom(root: Path) -> None:
    write(root, "w16.txt", "hello\nwörld\n".encode("utf-16"))
    write(root, "bom.txt", b"\xef\xbb\xbfhi\n")
    idx = _index(root)
    assert idx.read("w16.txt").text == "hello\nwörld\n"
    assert idx.read("bom.txt").text == "hi\n"
