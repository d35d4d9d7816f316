"""``qwen-tui undo [PATH] [--list] [--json]``: take back the last answer's writes in a project.

Exit 0 when the change set was undone or there was nothing to undo; 1 when a file was changed
outside the app since the answer wrote it (nothing is restored then; the message names it); 2 when
PATH is not a folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qwen_tui.subcommands.output import EXIT_OK, EXIT_PROVIDER, UsageError, emit_json, err, safe
from qwen_tui.tools.checkpoints import ChangeSetInfo, CheckpointStore

EXIT_CHANGED_OUTSIDE = EXIT_PROVIDER  # 1


def _store(path: str) -> CheckpointStore:
    root = Path(path).expanduser()
    if not root.is_dir():
        raise UsageError(f"{path}: not a folder")
    return CheckpointStore(root.resolve())


def _describe(info: ChangeSetInfo) -> str:
    files = ", ".join(f"{f.path} ({'created' if f.created else 'modified'})" for f in info.files)
    count = f"{len(info.files)} file" + ("" if len(info.files) == 1 else "s")
    label = f"  {info.label}" if info.label else ""
    return f"{info.id}  {info.created}  {info.state:<8} {count}: {files}{label}"


def run_list(path: str, as_json: bool) -> int:
    store = _store(path)
    infos = store.list()
    if as_json:
        emit_json({"project": str(store.root), "change_sets": [i.to_json() for i in infos]})
        return EXIT_OK
    out = sys.stdout
    if not infos:
        out.write(safe(f"no change sets in {store.root}", out) + "\n")
    for info in infos:
        out.write(safe(_describe(info), out) + "\n")
    out.flush()
    return EXIT_OK


def run_undo(path: str, as_json: bool) -> int:
    store = _store(path)
    report = store.undo()
    out = sys.stdout
    if as_json:
        payload = report.to_json()
        payload["project"] = str(store.root)
        if report.change_set is None:
            payload["message"] = "nothing to undo"
        emit_json(payload)
    if report.change_set is None:
        if not as_json:
            out.write(safe(f"nothing to undo in {store.root}", out) + "\n")
        return EXIT_OK
    if not report.ok:
        names = ", ".join(report.changed_outside)
        err(f"error: {names} changed outside qwen-tui since change set {report.change_set} wrote "
            f"{'it' if len(report.changed_outside) == 1 else 'them'}; nothing was undone "
            "(put back or remove that change, then run undo again)")
        return EXIT_CHANGED_OUTSIDE
    if not as_json:
        for rel in report.restored:
            out.write(safe(f"restored {rel}", out) + "\n")
        for rel in report.deleted:
            out.write(safe(f"deleted {rel} (created by that answer)", out) + "\n")
        for rel in report.unchanged:
            out.write(safe(f"unchanged {rel} (already as before)", out) + "\n")
        out.write(f"undid change set {report.change_set}\n")
        out.flush()
    return EXIT_OK
