"""The package's import boundaries, checked from the source so a slip fails the suite.

Why: "the core imports no Textual" and "the simulator shares no code with the client" were
sentences in the README that nothing checked. This test parses every module of ``qwen_tui``
with ``ast`` (imports inside functions and under ``TYPE_CHECKING`` count too: a lazy import is
still a dependency) and fails naming the file, the line and the rule.

The rules:
- the core (``CORE``) imports nothing of Textual or Rich (it runs without a terminal: ``ask``,
  ``bench``, the tests) and nothing of the front ends (``FRONT_ENDS``: ui/, sim/, the CLI);
- the simulator imports nothing of the client (providers/, conversation/, ui/) nor Textual: a
  bug shared by the client and its simulator would hide;
- the core's module-level imports form no cycle (``providers/base.py`` and ``timing.py`` once
  imported each other);
- every top-level module is placed in ``CORE`` or ``FRONT_ENDS``, so a new one is a decision.

Packages named here that do not exist yet (``mcp``) are simply skipped.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "qwen_tui"

# Terminal-free code: providers, the conversation loop, tools, and what they stand on.
CORE = (
    "qwen_tui",  # the package's own __init__ only (a prefix rule would swallow everything)
    "qwen_tui.atomic",
    "qwen_tui.benchmark",  # the benchmark's figures; the dashboard draws them
    "qwen_tui.config",
    "qwen_tui.context",
    "qwen_tui.conversation",
    "qwen_tui.mcp",
    "qwen_tui.metrics",
    "qwen_tui.paths",
    "qwen_tui.providers",
    "qwen_tui.race",
    "qwen_tui.redact",
    "qwen_tui.session",
    "qwen_tui.state",
    "qwen_tui.terminal_text",
    "qwen_tui.timing",
    "qwen_tui.tools",
)
# What drives the core: the TUI, the simulator, the command line (its subcommands print plain
# text and may grow Rich output; the demo starts the simulator).
FRONT_ENDS = (
    "qwen_tui.__main__",
    "qwen_tui.cli",
    "qwen_tui.demo",
    "qwen_tui.sim",
    "qwen_tui.subcommands",
    "qwen_tui.ui",
)
TERMINAL_LIBRARIES = ("textual", "rich")
CLIENT = ("qwen_tui.providers", "qwen_tui.conversation", "qwen_tui.ui")


@dataclass(frozen=True)
class Import:
    """One imported module name, where it was imported, and whether at module level."""

    module: str  # the importing module
    target: str  # a module name, or for ``from x import y`` also the candidate ``x.y``
    line: int
    top_level: bool  # executed when the module is imported (not in a function, not TYPE_CHECKING)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _within(name: str, prefixes: Iterable[str]) -> str | None:
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve_relative(module: str, is_package: bool, level: int, name: str | None) -> str:
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, name] if name else base)


def imports_of(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every import in ``source`` (of the module named ``module``), nested ones included.

    ``importlib.import_module("x")`` and ``__import__("x")`` with a literal name count too.
    """
    tree = ast.parse(source)
    found: list[Import] = []

    def visit(node: ast.AST, top_level: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            top_level = False
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, top_level)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(module, alias.name, node.lineno, top_level))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = _resolve_relative(module, is_package, node.level, node.module)
            found.append(Import(module, base, node.lineno, top_level))
            for alias in node.names:
                if alias.name != "*":
                    found.append(Import(module, f"{base}.{alias.name}", node.lineno, top_level))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append(Import(module, node.args[0].value, node.lineno, top_level))
        for child in ast.iter_child_nodes(node):
            visit(child, top_level)

    visit(tree, True)
    return found


def module_name(path: Path, root: Path = PACKAGE_DIR) -> tuple[str, bool]:
    """``qwen_tui/providers/base.py`` -> ("qwen_tui.providers.base", False)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def package_imports(root: Path = PACKAGE_DIR) -> dict[str, tuple[Path, list[Import]]]:
    modules: dict[str, tuple[Path, list[Import]]] = {}
    for path in sorted(root.rglob("*.py")):
        name, is_package = module_name(path, root)
        modules[name] = (path, imports_of(path.read_text(encoding="utf-8"), name, is_package))
    return modules


def _is_core(module: str) -> bool:
    return module == "qwen_tui" or _within(module, CORE[1:]) is not None


def boundary_violations(modules: dict[str, tuple[Path, list[Import]]]) -> list[Violation]:
    """The imports that cross a boundary (see the module docstring), one per import statement."""
    problems: list[Violation] = []
    for name, (path, imports) in modules.items():
        where = str(path.relative_to(PACKAGE_DIR.parent)) if path.is_absolute() else str(path)
        for imp in imports:
            if any(p.path == where and p.line == imp.line for p in problems):
                continue  # ``from x.y import z`` yields x.y and x.y.z: name the statement once
            if _is_core(name):
                hit = _within(imp.target, TERMINAL_LIBRARIES) or _within(imp.target, FRONT_ENDS)
                if hit:
                    message = f"core module {name} imports {imp.target} ({hit} is off limits to the core)"
                    problems.append(Violation(where, imp.line, message))
            elif _within(name, ("qwen_tui.sim",)):
                hit = _within(imp.target, CLIENT) or _within(imp.target, ("textual",))
                if hit:
                    message = f"simulator module {name} imports {imp.target} (the simulator shares no client code)"
                    problems.append(Violation(where, imp.line, message))
    return sorted(problems, key=lambda v: (v.path, v.line))


def core_cycles(modules: dict[str, tuple[Path, list[Import]]]) -> list[list[str]]:
    """Cycles among the core's modules through their module-level imports (Tarjan's SCCs)."""
    core = {name for name in modules if _is_core(name)}
    graph = {
        name: sorted({i.target for i in modules[name][1] if i.top_level and i.target in core and i.target != name})
        for name in core
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strongconnect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                strongconnect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return cycles


def unplaced_modules(root: Path = PACKAGE_DIR) -> list[str]:
    """Top-level modules and packages of qwen_tui named neither in CORE nor in FRONT_ENDS."""
    placed = set(CORE) | set(FRONT_ENDS)
    names = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(("_", ".")) and entry.name != "__main__.py":
            continue
        if entry.is_dir() and (entry / "__init__.py").exists():
            names.append(f"qwen_tui.{entry.name}")
        elif entry.suffix == ".py":
            names.append(f"qwen_tui.{entry.stem}")
    return [name for name in names if name not in placed]


# ---- the tree ---------------------------------------------------------------------------------


@functools.cache
def _tree() -> dict[str, tuple[Path, list[Import]]]:
    return package_imports()


def test_the_tree_keeps_its_boundaries() -> None:
    tree = _tree()
    assert len(tree) > 50  # the walk found the package, not an empty folder
    violations = boundary_violations(tree)
    assert violations == [], "import boundaries crossed:\n" + "\n".join(map(str, violations))


def test_the_core_has_no_import_cycles() -> None:
    tree = _tree()
    assert "qwen_tui.timing" in tree and "qwen_tui.providers.base" in tree
    assert core_cycles(tree) == []


def test_timing_and_the_provider_base_do_not_import_each_other() -> None:
    timing_targets = {imp.target for imp in _tree()["qwen_tui.timing"][1]}
    assert not any(_within(t, ("qwen_tui.providers",)) for t in timing_targets), timing_targets


def test_every_top_level_module_is_placed() -> None:
    unplaced = unplaced_modules()
    assert unplaced == [], f"add these to CORE or FRONT_ENDS in {Path(__file__).name}: {unplaced}"


# ---- the checker itself -----------------------------------------------------------------------


def _fake(name: str, source: str, is_package: bool = False) -> dict[str, tuple[Path, list[Import]]]:
    path = Path(name.replace(".", "/") + ".py")
    return {name: (path, imports_of(source, name, is_package))}


@pytest.mark.parametrize(
    "source",
    [
        "import textual\n",
        "from textual.widgets import Static\n",
        "def later():\n    from rich.text import Text\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from textual.app import App\n",
        "from qwen_tui import ui\n",
        "from qwen_tui.ui.app import QwenApp\n",
        "import importlib\nimportlib.import_module('textual.app')\n",
        "from ..sim import Simulator\n",
    ],
)
def test_the_checker_reports_a_core_module_reaching_for_the_terminal(source: str) -> None:
    violations = boundary_violations(_fake("qwen_tui.providers.fake", source))
    assert len(violations) >= 1, source
    assert {v.path for v in violations} == {"qwen_tui/providers/fake.py"}
    assert all("core module qwen_tui.providers.fake" in v.message for v in violations)


def test_the_checker_names_the_line() -> None:
    source = '"""Doc."""\n\nimport json\n\n\ndef f():\n    import textual.app\n'
    (violation,) = boundary_violations(_fake("qwen_tui.timing", source))
    assert violation.line == 7 and "imports textual.app" in violation.message


def test_the_checker_lets_the_core_import_the_core_and_ui_import_textual() -> None:
    assert boundary_violations(_fake("qwen_tui.timing", "import json\nfrom qwen_tui.redact import redact\n")) == []
    ui_source = "import textual\nfrom qwen_tui.sim import Simulator\n"
    assert boundary_violations(_fake("qwen_tui.ui.widgets.x", ui_source)) == []
    # "textualize" is not "textual": names match whole dotted parts
    assert boundary_violations(_fake("qwen_tui.config", "import textualize\nimport richer\n")) == []


def test_the_checker_reports_the_simulator_importing_the_client() -> None:
    (violation,) = boundary_violations(_fake("qwen_tui.sim.chat", "from qwen_tui.providers.base import ChatMessage\n"))
    assert "simulator module qwen_tui.sim.chat" in violation.message
    relative = _fake("qwen_tui.sim", "from ..providers import base\n", is_package=True)
    (violation,) = boundary_violations(relative)
    assert "imports qwen_tui.providers" in violation.message


def test_the_checker_finds_a_cycle_but_not_through_a_function_import() -> None:
    modules = _fake("qwen_tui.timing", "from qwen_tui.providers.base import RequestTiming\n")
    modules |= _fake("qwen_tui.providers.base", "from qwen_tui.timing import RequestTiming\n")
    assert core_cycles(modules) == [["qwen_tui.providers.base", "qwen_tui.timing"]]
    modules |= _fake("qwen_tui.timing", "def f():\n    from qwen_tui.providers.base import x\n")
    assert core_cycles(modules) == []
