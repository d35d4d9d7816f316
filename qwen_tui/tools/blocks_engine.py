"""Turning parsed SEARCH/REPLACE blocks into proposals, through the edit engine.

Blocks for one file apply in order, each to the text the blocks before it left; all of a file's
blocks that apply become one ``ProposedEdit``. A block that fails is reported in the words
``edit_file`` would use, with the block's line in the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qwen_tui.tools.edits import NEW_FILE_MODE, ProposedEdit, propose, replace_text
from qwen_tui.tools.errors import ToolError
from qwen_tui.tools.safety import ProjectPaths
from qwen_tui.tools.scope import AnswerScope
from qwen_tui.tools.search_replace import Block
from qwen_tui.tools.textfile import TextFile, load


@dataclass(slots=True)
class _Working:
    path: Path
    file: TextFile | None  # None: a file to create
    text: str


@dataclass(slots=True)
class BlockOutcome:
    proposals: list[ProposedEdit] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # one line (or a few) per failed block
    applied_blocks: int = 0


def _replace_block(file: TextFile, text: str, block: Block, rel: str) -> str:
    try:
        return replace_text(file, text, block.search, block.replace, False, rel)
    except ToolError:
        # a model often ends SEARCH with a newline the file's last line lacks
        if block.search.endswith("\n") and not text.endswith(("\n", "\r")):
            try:
                return replace_text(file, text, block.search[:-1], block.replace.removesuffix("\n"), False, rel)
            except ToolError:
                pass
        raise


def propose_blocks(paths: ProjectPaths, scope: AnswerScope, blocks: list[Block]) -> BlockOutcome:
    outcome = BlockOutcome()
    working: dict[str, _Working] = {}
    for number, block in enumerate(blocks, 1):
        label = f"block {number} (line {block.line}, {block.path})"
        try:
            target = paths.for_write(block.path)
            rel = target.rel
            state = working.get(rel)
            if state is None:
                if target.exists:
                    file = load(target.path, rel)
                    scope.check_fresh(rel, file.data)
                    state = _Working(target.path, file, file.text)
                else:
                    state = _Working(target.path, None, "")
            if block.creates:
                if state.text.strip():
                    raise ToolError(f"{rel}: already exists; to change it, SEARCH must hold the lines to replace")
                new_text = block.replace
            elif state.file is None and not state.text:
                raise ToolError(f"{rel}: no such file; an empty SEARCH part creates a file")
            elif state.file is None:
                new_text = replace_text(None, state.text, block.search, block.replace, False, rel)
            else:
                new_text = _replace_block(state.file, state.text, block, rel)
            state.text = new_text
            working[rel] = state
            outcome.applied_blocks += 1
        except ToolError as exc:
            outcome.failures.append(f"{label}: {exc.message}")
    for rel, state in working.items():
        if state.file is None:
            outcome.proposals.append(propose(rel, state.path, None, state.text.encode("utf-8"), NEW_FILE_MODE,
                                             "search_replace"))
            continue
        try:
            new = state.file.encode(state.text)
        except ToolError as exc:
            outcome.failures.append(f"{rel}: {exc.message}")
            continue
        if new != state.file.data:
            outcome.proposals.append(propose(rel, state.path, state.file.data, new, state.file.mode, "search_replace"))
    return outcome
