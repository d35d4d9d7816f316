"""Command line: argument parsing and dispatch; the work is done by the core and the subcommands.

``qwen-tui [PATH]`` opens the TUI; ``ask``, ``providers``, ``models``, ``bench``, ``sim`` and
``config`` are scriptable subcommands; ``undo`` takes back an answer's writes. Exit codes: 0 ok,
1 provider or network error, 2 usage, configuration or input error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from qwen_tui import __version__
from qwen_tui.config import AppConfig, ConfigError, default_config, load_config
from qwen_tui.providers.base import Provider, ProviderError
from qwen_tui.redact import redact
from qwen_tui.subcommands.output import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    err,
    exit_code_for,
)

SUBCOMMANDS = ("ask", "providers", "models", "bench", "race", "sim", "config", "undo", "mcp")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with a plain message, as argparse does, minus noise
        self.print_usage(sys.stderr)
        err(f"{self.prog}: {message}")
        raise SystemExit(EXIT_USAGE)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="config file (default: $QWEN_TUI_CONFIG or the XDG path)")
    p.add_argument("--debug", action="store_true", help="show tracebacks (keys redacted)")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    tui = Parser(prog="qwen-tui", description="A terminal coding assistant. Subcommands: " + ", ".join(SUBCOMMANDS))
    tui.add_argument("path", nargs="?", default=".", help="project folder (default: current folder)")
    tui.add_argument("--provider", help="provider to start with")
    tui.add_argument("--model", help="model to start with")
    tui.add_argument("--demo", action="store_true", help="use the built-in simulator: no keys, no network")
    tui.add_argument("--resume", nargs="?", const="latest", metavar="ID", help="resume the latest or a given session")
    tui.add_argument("--version", action="version", version=f"qwen-tui {__version__}")
    _common(tui)

    subs: dict[str, argparse.ArgumentParser] = {}
    ask = subs["ask"] = Parser(prog="qwen-tui ask", description="Stream one answer to stdout.")
    ask.add_argument("prompt", help="the question, or - to read it from stdin")
    ask.add_argument("--provider")
    ask.add_argument("--model")
    ask.add_argument("--file", action="append", default=[], metavar="PATH", help="add a file or folder (repeat)")
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    ask.add_argument("--tools", choices=("none", "read", "edit"), default="read",
                     help="what the model may do: nothing, read the project (default), or also edit it")
    ask.add_argument("--yes", action="store_true", help="apply the model's edits without asking (undoable)")
    ask.add_argument("--allow-command", action="append", default=[], metavar="PATTERN",
                     help="run commands matching this glob without asking (repeat)")
    ask.add_argument("--no-instructions", action="store_true", help="leave out AGENTS.md / QWEN.md")
    ask.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)

    prov = subs["providers"] = Parser(prog="qwen-tui providers", description="Configured providers and their health.")
    prov.add_argument("--json", action="store_true")
    prov.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)

    models = subs["models"] = Parser(prog="qwen-tui models", description="Models a provider lists.")
    models.add_argument("provider")
    models.add_argument("--json", action="store_true")
    models.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)

    bench = subs["bench"] = Parser(prog="qwen-tui bench", description="TTFT and tokens/s per provider.")
    bench.add_argument("--providers", help="comma-separated provider names (default: all with a key)")
    bench.add_argument("--runs", type=int, default=5)
    bench.add_argument("--prompt", default="Write a Python function that reverses a string.")
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)

    race = subs["race"] = Parser(prog="qwen-tui race", description="One question to 2-4 providers at once, ranked.")
    race.add_argument("prompt", help="the question, or - to read it from stdin")
    race.add_argument("--providers", required=True, help="comma-separated provider names (2 to 4)")
    race.add_argument("--json", action="store_true", help="one JSON object per line, then the race")
    race.add_argument("--quiet", action="store_true", help="only the ranking")
    race.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)

    sim = subs["sim"] = Parser(prog="qwen-tui sim", description="Run the provider simulator in the foreground.")
    sim.add_argument("--port", type=int, default=0)
    sim.add_argument("--ttft-ms", type=float, default=50.0)
    sim.add_argument("--tps", type=float, default=200.0)

    cfg = subs["config"] = Parser(prog="qwen-tui config", description="Check or locate the configuration.")
    group = cfg.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", action="store_true", help="validate the config file")
    group.add_argument("--path", action="store_true", help="print the config file's path")

    undo = subs["undo"] = Parser(prog="qwen-tui undo",
                                 description="Restore the files of the last change set (one per answer that wrote).")
    undo.add_argument("path", nargs="?", default=".", help="project folder (default: current folder)")
    undo.add_argument("--list", action="store_true", help="show the change sets, newest first")
    undo.add_argument("--json", action="store_true")

    mcp = subs["mcp"] = Parser(prog="qwen-tui mcp", description="MCP servers: their state and tools.")
    actions = mcp.add_subparsers(dest="action", required=True, parser_class=Parser)
    mcp_list = actions.add_parser("list", help="each server's transport, state and tools")
    mcp_list.add_argument("--json", action="store_true")
    mcp_tools = actions.add_parser("tools", help="one server's tools")
    mcp_tools.add_argument("server")
    mcp_tools.add_argument("--json", action="store_true")
    trust = actions.add_parser("trust", help="trust the project's .mcp.json (it runs commands)")
    trust.add_argument("path", nargs="?", default=".", help="project folder (default: current folder)")
    trust.add_argument("--revoke", action="store_true")
    for action in (mcp_list, mcp_tools, trust):  # also after the action (SUPPRESS: not undone if given before)
        action.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        action.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    for p in subs.values():
        _common(p)
    return tui, subs


def _load(args: argparse.Namespace) -> AppConfig:
    """The config, its provider kinds checked against the built-ins and the installed plugins;
    the plugins are looked for only when a kind is not built in (or the file has a problem, so
    that every problem is named as the full check names it)."""
    from qwen_tui.providers.registry import BUILTINS, kinds

    try:
        config = load_config(args.config)
    except ConfigError:
        return load_config(args.config, known_kinds=kinds())
    if all(settings.kind in BUILTINS for settings in config.providers.values()):
        return config
    return load_config(args.config, known_kinds=kinds())


def _provider(config: AppConfig, name: str | None) -> Provider:
    from qwen_tui.providers.registry import build_provider

    settings = config.provider(name or config.default_provider)
    return build_provider(settings)


def _with_demo(args: argparse.Namespace, config: AppConfig, *, paced: bool = False) -> tuple[Any, AppConfig]:
    if not getattr(args, "demo", False):
        return None, config
    from qwen_tui.demo import start_demo

    return start_demo(config, paced=paced)


async def _closing(providers: list[Provider], coro: Coroutine[Any, Any, int]) -> int:
    try:
        return await coro
    finally:
        for p in providers:
            await p.aclose()


def _run_async(factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    return asyncio.run(factory())


def cmd_ask(args: argparse.Namespace) -> int:
    from qwen_tui.subcommands.ask import gather_context, read_prompt, run_ask

    config = _load(args)
    sim, config = _with_demo(args, config)
    try:
        provider = _provider(config, args.provider)
        prompt = read_prompt(args.prompt)
        files = gather_context(Path.cwd(), args.file, max_file_bytes=config.context.max_file_kb * 1024)
        return _run_async(lambda: _closing([provider], run_ask(
            config, provider, prompt, files, model=args.model, as_json=args.json, tools=args.tools, yes=args.yes,
            allow_commands=args.allow_command, instructions=not args.no_instructions)))
    finally:
        if sim is not None:
            sim.stop()


def cmd_providers(args: argparse.Namespace) -> int:
    from qwen_tui.providers.registry import build_providers
    from qwen_tui.subcommands.listing import run_providers

    config = _load(args)
    sim, config = _with_demo(args, config)
    try:
        providers = build_providers(config)
        return _run_async(lambda: _closing(list(providers.values()), run_providers(providers, args.json)))
    finally:
        if sim is not None:
            sim.stop()


def cmd_models(args: argparse.Namespace) -> int:
    from qwen_tui.subcommands.listing import run_models

    config = _load(args)
    sim, config = _with_demo(args, config)
    try:
        provider = _provider(config, args.provider)
        return _run_async(lambda: _closing([provider], run_models(provider, args.json)))
    finally:
        if sim is not None:
            sim.stop()


def cmd_bench(args: argparse.Namespace) -> int:
    from qwen_tui.subcommands.bench import run_bench_command

    config = _load(args)
    sim, config = _with_demo(args, config, paced=True)  # the demo's providers differ in speed
    try:
        return run_bench_command(config, args)
    finally:
        if sim is not None:
            sim.stop()


def cmd_race(args: argparse.Namespace) -> int:
    from qwen_tui.race import check_lanes
    from qwen_tui.subcommands.ask import read_prompt
    from qwen_tui.subcommands.race import run_race

    config = _load(args)
    sim, config = _with_demo(args, config, paced=True)
    try:
        try:
            names = check_lanes(args.providers.split(","), list(config.providers))
        except ValueError as exc:
            raise UsageError(f"--providers: {exc}") from None
        prompt = read_prompt(args.prompt)
        providers = [_provider(config, name) for name in names]
        return _run_async(lambda: _closing(providers, run_race(
            config, providers, prompt, as_json=args.json, quiet=args.quiet)))
    finally:
        if sim is not None:
            sim.stop()


def cmd_sim(args: argparse.Namespace) -> int:
    from qwen_tui.sim import run_foreground

    run_foreground(port=args.port, ttft_ms=args.ttft_ms, tps=args.tps)
    return EXIT_OK


def cmd_config(args: argparse.Namespace) -> int:
    from qwen_tui import paths

    path = paths.config_file(args.config)
    if args.path:
        sys.stdout.write(f"{path}\n")
        return EXIT_OK
    from qwen_tui.config import check_config
    from qwen_tui.providers.registry import kinds

    problems = check_config(args.config, known_kinds=kinds())
    for problem in problems:
        err(problem)
    if problems:
        return EXIT_USAGE
    state = "ok" if path.exists() else "no file (built-in defaults in use)"
    sys.stdout.write(f"{path}: {state}\n")
    return EXIT_OK


def cmd_undo(args: argparse.Namespace) -> int:
    from qwen_tui.subcommands.undo import run_list, run_undo

    return run_list(args.path, args.json) if args.list else run_undo(args.path, args.json)


def cmd_tui(args: argparse.Namespace) -> int:
    root = Path(args.path).expanduser()
    if not root.is_dir():
        raise UsageError(f"{args.path}: not a folder")
    problem: str | None = None
    try:
        config = _load(args)
    except ConfigError as exc:
        if args.config:  # an explicitly named file that is wrong: say so and stop
            raise
        problem = "\n".join(str(p) for p in getattr(exc, "all", [exc]))
        config = default_config()
    from qwen_tui.conversation.loop import no_full_collections

    # Start-up makes objects that live as long as the app; a full collection walking them (tens of
    # ms) delayed the first frame. The app lets collections run again once it freezes them there.
    start_up = contextlib.ExitStack()
    start_up.enter_context(no_full_collections())
    from qwen_tui.ui.app import run_app

    return run_app(root.resolve(), config, provider=args.provider, model=args.model, demo=args.demo,
                   config_problem=problem, resume=args.resume, start_up=start_up)


def cmd_mcp(args: argparse.Namespace) -> int:
    from qwen_tui.subcommands.mcp import run_mcp_list, run_mcp_tools, run_mcp_trust

    if args.action == "trust":
        return run_mcp_trust(args.path, args.revoke)
    config = _load(args)
    return run_mcp_list(config, args.json) if args.action == "list" else run_mcp_tools(config, args.server, args.json)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "ask": cmd_ask,
    "providers": cmd_providers,
    "models": cmd_models,
    "bench": cmd_bench,
    "race": cmd_race,
    "sim": cmd_sim,
    "config": cmd_config,
    "undo": cmd_undo,
    "mcp": cmd_mcp,
}


VALUE_OPTIONS = {"--config", "--provider", "--model"}


def _subcommand_index(argv: list[str]) -> int | None:
    """Where the subcommand stands, skipping global options and their values."""
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
        elif arg in VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return i if arg in SUBCOMMANDS else None
    return None


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    tui, subs = build_parser()
    index = _subcommand_index(argv)
    if index is not None:
        args = subs[argv[index]].parse_args(argv[:index] + argv[index + 1 :])
        handler = COMMANDS[argv[index]]
    else:
        args = tui.parse_args(argv)
        handler = cmd_tui
    try:
        return handler(args)
    except KeyboardInterrupt:
        err("interrupted")
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        _debug(args)
        for problem in getattr(exc, "all", [exc]):
            err(f"error: {problem}")
        return EXIT_USAGE
    except UsageError as exc:
        _debug(args)
        err(f"error: {exc}")
        return EXIT_USAGE
    except ProviderError as exc:
        _debug(args)
        err(f"error: {exc.message}")
        return exit_code_for(exc)
    except Exception as exc:  # plugins and other expected-but-unknown failures
        from qwen_tui.providers.registry import PluginError

        if isinstance(exc, PluginError):
            _debug(args)
            err(f"error: {exc}")
            return EXIT_USAGE
        raise


def _debug(args: argparse.Namespace) -> None:
    if getattr(args, "debug", False):
        sys.stderr.write(redact("".join(traceback.format_exc())))
