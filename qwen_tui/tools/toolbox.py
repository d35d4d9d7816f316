"""The dispatcher: one project's tools (``Toolbox``) and one answer's use of them (``Answer``).

Synchronous and thread-safe: the agent loop calls ``Answer.run`` from a worker thread
(``asyncio.to_thread``). No call raises for an expected problem (unknown tool, bad JSON, a path out
of the root, an edit that does not match): each comes back as a failed ``ToolResult`` whose
``content`` tells the model what was wrong.

Write-class calls come back ``pending``: an edit as a ``ProposedEdit`` with its diff, a command
before it ran. The caller looks at ``result.decision`` (RUN: no need to ask; ASK: the user decides),
then calls ``approve(result)`` or ``decline(result, reason)`` and sends the returned result's
``content`` to the model. The answer's applied writes form one change set (one undo).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from qwen_tui.context.files import ProjectIndex
from qwen_tui.tools.arguments import parse_arguments
from qwen_tui.tools.blocks_engine import BlockOutcome, propose_blocks
from qwen_tui.tools.checkpoints import ChangeSet, CheckpointStore
from qwen_tui.tools.edits import ProposedEdit, created_folders, propose_edit, propose_write, write_file_bytes
from qwen_tui.tools.errors import ToolError
from qwen_tui.tools.policy import ApprovalPolicy, Decision, Verdict
from qwen_tui.tools.reading import list_files, read_file, search
from qwen_tui.tools.results import ToolResult
from qwen_tui.tools.safety import ProjectPaths
from qwen_tui.tools.scope import AnswerScope
from qwen_tui.tools.search_replace import Block, parse_blocks
from qwen_tui.tools.specs import BUILTIN_SPECS, ToolSpec, openai_tools

#: A tool's implementation: (answer, checked arguments) -> result. Raise ToolError for a refusal.
ToolImpl = Callable[["Answer", dict[str, Any]], ToolResult]
#: What a write-class tool proposes instead of running at once (edit_file, write_file).
ProposeImpl = Callable[[ProjectPaths, AnswerScope, dict[str, Any]], ProposedEdit]

#: A read_file of a file up to this size runs on the caller's thread (``Answer.quick``).
INLINE_READ_BYTES = 128 * 1024

_READERS = {"read_file": read_file, "list_files": list_files, "search": search}
_PROPOSERS: dict[str, ProposeImpl] = {"edit_file": propose_edit, "write_file": propose_write}


class Toolbox:
    """The tools of one project: specs, implementations, policy and checkpoints. Long-lived."""

    def __init__(self, root: Path | str, *, index: ProjectIndex | None = None,
                 policy: ApprovalPolicy | None = None, checkpoints: CheckpointStore | None = None) -> None:
        self.index = index if index is not None else ProjectIndex(root)
        self.root = self.index.root
        self.paths = ProjectPaths(self.index)
        self.policy = policy or ApprovalPolicy()
        self.checkpoints = checkpoints or CheckpointStore(self.root)
        self._specs: dict[str, ToolSpec] = {spec.name: spec for spec in BUILTIN_SPECS}
        #: run_command's implementation comes from qwen_tui.tools.commands (registered by the caller)
        self._impls: dict[str, ToolImpl | None] = {"run_command": None}

    def register(self, spec: ToolSpec, impl: ToolImpl) -> None:
        """Add a tool (an MCP tool) or give a built-in slot (run_command) its implementation.
        Copy on write: an answer running in another thread never sees a table change under it."""
        self._specs = {**self._specs, spec.name: spec}
        self._impls = {**self._impls, spec.name: impl}

    def unregister(self, name: str) -> None:
        """Take a plugged-in tool away again (an MCP server that stopped); built-ins stay."""
        if name in {s.name for s in BUILTIN_SPECS}:
            return
        self._specs = {k: v for k, v in self._specs.items() if k != name}
        self._impls = {k: v for k, v in self._impls.items() if k != name}

    def spec(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    @property
    def specs(self) -> list[ToolSpec]:
        """Every tool with an implementation, whatever the policy."""
        return [s for s in self._specs.values() if s.name in _READERS or s.name in _PROPOSERS
                or self._impls.get(s.name) is not None]

    def offered(self) -> list[ToolSpec]:
        """The tools a request carries under the policy."""
        return self.policy.offered(self.specs)

    def openai_tools(self) -> list[dict[str, Any]]:
        return openai_tools(self.offered())

    def start_answer(self, context_files: Iterable[str] = (), label: str = "") -> Answer:
        """A new answer: a fresh scope (the request's context files count as seen)."""
        return Answer(self, context_files, label)


class Answer:
    """One user question's tool calls: what it read, what it proposed, its change set."""

    def __init__(self, toolbox: Toolbox, context_files: Iterable[str] = (), label: str = "") -> None:
        self.toolbox = toolbox
        self.paths = toolbox.paths
        self.scope = AnswerScope(toolbox.root)
        context = []
        for given in context_files:
            try:
                context.append(self.paths.existing(given, folder=False).rel)
            except ToolError:
                continue
        self.scope.add_context(context)
        self.label = label
        self.change_set: ChangeSet | None = None
        self.applied: list[ProposedEdit] = []
        self._lock = threading.RLock()

    # ---- running calls ------------------------------------------------------------------------

    def quick(self, name: str, arguments: object) -> bool:
        """Whether ``run`` of this call is cheap enough for the caller's own thread: a
        ``read_file`` of a file up to ``INLINE_READ_BYTES`` (under 1 ms; a hop to a worker thread
        and back costs more when the event loop holds the GIL, 1.5-4 ms measured, and lets the
        screen's work go first). Anything else, or a path that is not a plain small file: no."""
        if name != "read_file" or not isinstance(arguments, dict):
            return False
        path = arguments.get("path")
        if not isinstance(path, str):
            return False
        try:
            size = os.stat(self.paths.existing(path, folder=False).path).st_size
        except (ToolError, OSError, ValueError):  # run finds it out and says so, in a thread
            return False
        return size <= INLINE_READ_BYTES

    def run(self, name: str, arguments: str | dict[str, Any] | None, call_id: str | None = None) -> ToolResult:
        """Run (or, for a write, propose) one call. Never raises for a bad call."""
        spec = self.toolbox.spec(name)
        if spec is None or spec not in self.toolbox.specs:
            known = ", ".join(s.name for s in self.toolbox.offered()) or "none"
            return ToolResult.failure(name, f"there is no tool {name!r} (tools offered: {known})", call_id=call_id)
        try:
            args = parse_arguments(spec, arguments)
        except ToolError as exc:
            return ToolResult.failure(name, exc.message, call_id=call_id)
        verdict = self.toolbox.policy.verdict(spec, args)
        if verdict.decision is Decision.DENY:
            refused = ToolResult.failure(name, f"{verdict.reason}; nothing was done", args, call_id)
            refused.decision = Decision.DENY
            return refused
        try:
            if name in _READERS:
                result = _READERS[name](self.paths, self.scope, args)
            elif name in _PROPOSERS:
                proposal = _PROPOSERS[name](self.paths, self.scope, args)
                proposal._owner = self
                result = ToolResult(name, True, "", _edit_summary(proposal, "proposed"), args, call_id,
                                    pending=True, decision=verdict.decision, proposal=proposal)
                result.content = f"{proposal.path}: a change is proposed and waits for approval."
                return result
            elif verdict.decision is Decision.ASK:
                return ToolResult(name, True, "waiting for the user's approval", f"{name}: waiting for approval",
                                  args, call_id, pending=True, decision=verdict.decision)
            else:
                result = self._run_impl(name, args)
        except ToolError as exc:
            return ToolResult.failure(name, exc.message, args, call_id)
        except OSError as exc:
            return ToolResult.failure(name, f"{name}: {exc.strerror or exc}", args, call_id)
        except Exception as exc:  # noqa: BLE001 - a bug in a tool must not end the answer; the model is told
            return ToolResult.failure(name, f"{name} failed: {exc.__class__.__name__}: {exc}", args, call_id)
        result.call_id = call_id
        result.decision = verdict.decision
        return result

    def _run_impl(self, name: str, args: dict[str, Any]) -> ToolResult:
        impl = self.toolbox._impls.get(name)
        if impl is None:
            raise ToolError(f"{name} is not available")
        return impl(self, args)

    def verdict(self, name: str, arguments: dict[str, Any] | None = None) -> Verdict:
        spec = self.toolbox.spec(name)
        if spec is None:
            return Verdict(Decision.DENY, f"there is no tool {name!r}")
        return self.toolbox.policy.verdict(spec, arguments)

    def approve(self, result: ToolResult) -> ToolResult:
        """The user (or the policy) said yes to a pending result: write it, or run it."""
        if not result.pending:
            return result
        if result.proposal is not None:
            final = self.apply(result.proposal)
            final.call_id, final.arguments = result.call_id, result.arguments
            return final
        try:
            final = self._run_impl(result.name, result.arguments)
        except ToolError as exc:
            final = ToolResult.failure(result.name, exc.message, result.arguments)
        except Exception as exc:  # noqa: BLE001 - a plugged-in implementation's bug must not end the answer
            final = ToolResult.failure(result.name, f"{result.name} failed: {exc.__class__.__name__}: {exc}",
                                       result.arguments)
        final.call_id, final.decision = result.call_id, result.decision
        return final

    def decline(self, result: ToolResult, reason: str | None = None) -> ToolResult:
        """The user said no (or could not be asked): nothing is written or run."""
        if result.proposal is not None:
            final = self.reject(result.proposal, reason)
            final.call_id, final.arguments = result.call_id, result.arguments
            return final
        return self._declined(result.name, result.arguments, result.call_id, reason)

    @staticmethod
    def _declined(name: str, args: dict[str, Any], call_id: str | None, reason: str | None) -> ToolResult:
        text = f"The user declined this {name} call; nothing was done."
        if reason:
            text += f" Reason: {reason}"
        return ToolResult(name, False, text, f"{name}: declined" + (f" ({reason})" if reason else ""), args, call_id,
                          decision=Decision.DENY)

    # ---- proposals ----------------------------------------------------------------------------

    def apply(self, proposal: ProposedEdit) -> ToolResult:
        """Write one proposal (checkpointed first). The file must still hold what was proposed on."""
        return self.apply_many([proposal])[0]

    def apply_many(self, proposals: list[ProposedEdit]) -> list[ToolResult]:
        """Write several proposals as one step: all are checkpointed before the first is written."""
        with self._lock:
            results: list[ToolResult | None] = [None] * len(proposals)
            ready: list[tuple[int, ProposedEdit]] = []
            for i, p in enumerate(proposals):
                if p.state != "pending":
                    results[i] = ToolResult.failure(p.tool, f"{p.path}: this change was already {p.state}")
                    continue
                try:
                    self._check_unchanged(p)
                    ready.append((i, p))
                except ToolError as exc:
                    p.state, p.reason = "failed", exc.message
                    results[i] = ToolResult.failure(p.tool, exc.message)
            if ready:
                if self.change_set is None:
                    self.change_set = self.toolbox.checkpoints.begin(self.label)
                root = self.toolbox.root
                entries, dirs = [], []
                for _, p in ready:
                    dirs.extend(d.relative_to(root).as_posix() for d in created_folders(root, p.real_path))
                    entries.append((p.path, p.old, p.mode if p.old is not None else None, p.new, p.mode))
                self.change_set.record(entries, dirs)
                for i, p in ready:
                    try:
                        write_file_bytes(p.real_path, p.new, p.mode)
                    except OSError as exc:
                        p.state, p.reason = "failed", exc.strerror or str(exc)
                        results[i] = ToolResult.failure(p.tool, f"{p.path}: could not be written ({p.reason})")
                        continue
                    p.state = "applied"
                    self.scope.note(p.path, p.new, p.real_path, "written")
                    self.applied.append(p)
                    verb = "created" if p.created else "changed"
                    results[i] = ToolResult(p.tool, True, f"{p.path}: {verb} (+{p.added} -{p.removed} lines).",
                                            _edit_summary(p, verb), proposal=p)
            return [r for r in results if r is not None]

    def _check_unchanged(self, p: ProposedEdit) -> None:
        target = self.paths.for_write(p.path)  # the path is checked again: a symlink may have appeared
        if target.path != p.real_path:
            raise ToolError(f"{p.path}: the path now leads elsewhere; nothing was written")
        if p.old is None:
            if target.exists:
                raise ToolError(f"{p.path}: was created by someone else meanwhile; read it, then try again")
            return
        try:
            with open(target.path, "rb") as fh:
                current = fh.read()
        except OSError:
            current = None
        if current != p.old:
            raise ToolError(f"{p.path}: changed on disk since the change was proposed; read it again")

    def reject(self, proposal: ProposedEdit, reason: str | None = None) -> ToolResult:
        proposal.state, proposal.reason = "rejected", reason
        text = f"The user rejected the change to {proposal.path}; the file was not changed."
        if reason:
            text += f" Reason: {reason}"
        return ToolResult(proposal.tool, False, text, f"{proposal.path}: rejected" + (f" ({reason})" if reason else ""),
                          decision=Decision.DENY, proposal=proposal)

    # ---- SEARCH/REPLACE -----------------------------------------------------------------------

    def propose_blocks(self, text_or_blocks: str | list[Block]) -> BlockOutcome:
        """Proposals for the SEARCH/REPLACE blocks of an answer's text; unreadable blocks and
        blocks that do not apply are in ``failures``."""
        if isinstance(text_or_blocks, str):
            blocks, errors = parse_blocks(text_or_blocks)
        else:
            blocks, errors = list(text_or_blocks), []
        outcome = propose_blocks(self.paths, self.scope, blocks)
        outcome.failures[:0] = [f"line {e.line}: {e.message}" for e in errors]
        for p in outcome.proposals:
            p._owner = self
        return outcome


def _edit_summary(p: ProposedEdit, verb: str) -> str:
    return f"{verb} {p.path} (+{p.added} -{p.removed})"
