"""``qwen-tui bench``: TTFT and tokens/s per provider, and an honest comparison with the fastest.

Progress goes to stderr (one line per run, or one line updated in place on a terminal), the
results to stdout: a table, or one JSON object with ``--json``. Every request is added to the
metrics history (not in ``--demo``: simulated figures would spoil it). Exit 0 when any run
succeeded, 1 when every run of every provider failed.
"""

from __future__ import annotations

import asyncio
import sys
from argparse import Namespace
from pathlib import Path
from typing import TextIO

from qwen_tui import paths
from qwen_tui.benchmark import (
    DEFAULT_PROMPT,
    BenchReport,
    BenchStep,
    ProviderResult,
    RunResult,
    run_bench,
    verdict_words,
)
from qwen_tui.config import AppConfig
from qwen_tui.providers.base import MissingKey, Provider
from qwen_tui.redact import redact
from qwen_tui.subcommands.output import (
    EXIT_OK,
    EXIT_PROVIDER,
    UsageError,
    emit_json,
    err,
    fmt_ms,
    is_tty,
    safe,
)
from qwen_tui.terminal_text import visible_controls

MAX_RUNS = 1000
MODEL_WIDTH = 30


def run_bench_command(config: AppConfig, args: Namespace) -> int:
    runs = int(args.runs)
    if not 1 <= runs <= MAX_RUNS:
        raise UsageError(f"--runs must be between 1 and {MAX_RUNS} (got {runs})")
    prompt = args.prompt if args.prompt is not None else DEFAULT_PROMPT
    if not prompt.strip():
        raise UsageError("--prompt is empty")
    names = parse_names(args.providers, config)
    providers, skipped = select_providers(config, names)
    for name, why in skipped.items():
        err(f"bench: skipped {name}: {why}")
    if not providers:
        raise UsageError("nothing to benchmark: no configured provider has a key set or needs none "
                         "(see `qwen-tui providers`)")
    history = None if getattr(args, "demo", False) else paths.metrics_file()
    if history is None:
        err("bench: demo (simulator): the results are not added to the metrics history")
    progress = ProgressLine(sys.stderr)
    try:
        report = asyncio.run(_bench(providers, prompt, runs, progress, history))
    finally:
        progress.close()
    report.skipped = skipped
    if args.json:
        emit_json(report.to_json())
    else:
        write_table(report, sys.stdout)
    return EXIT_PROVIDER if report.all_failed else EXIT_OK


def parse_names(value: str | None, config: AppConfig) -> list[str] | None:
    """``--providers a,b`` as a list (None: all); unknown names are a usage error."""
    if value is None:
        return None
    names: list[str] = []
    for part in value.split(","):
        part = part.strip()
        if part and part not in names:
            names.append(part)
    if not names:
        raise UsageError("--providers is empty: name one or more providers, comma-separated")
    unknown = [n for n in names if n not in config.providers]
    if unknown:
        raise UsageError(f"--providers: unknown provider(s) {', '.join(map(repr, unknown))}; "
                         f"choose from: {', '.join(config.providers)}")
    return names


def select_providers(config: AppConfig, names: list[str] | None) -> tuple[dict[str, Provider], dict[str, str]]:
    """Build the providers to run. Named ones must be usable (a missing key is an error, exit 2);
    without names, every provider with a key set or needing none, the others skipped with a reason."""
    from qwen_tui.providers.registry import PluginError, build_provider

    explicit = names is not None
    chosen: dict[str, Provider] = {}
    skipped: dict[str, str] = {}
    try:
        for name in names if explicit else list(config.providers):
            try:
                provider = build_provider(config.providers[name])
            except PluginError as exc:
                if explicit:
                    raise
                skipped[name] = str(exc)
                continue
            problem = missing_key(provider)
            if problem is not None:
                if explicit:
                    raise problem
                skipped[name] = problem.message.removeprefix(f"{name}: ")
                continue
            chosen[name] = provider
    except BaseException:
        asyncio.run(_close_all(chosen))
        raise
    return chosen, skipped


def missing_key(provider: Provider) -> MissingKey | None:
    """The provider's own key (and setting) check, for providers that have one."""
    check = getattr(provider, "require_key", None)
    if callable(check):
        try:
            check()
        except MissingKey as exc:
            return exc
        return None
    if getattr(provider, "needs_key", False) and not provider.settings.api_key:
        env = provider.settings.api_key_env or "its api_key_env"
        return MissingKey(provider.name, "no API key", f"set the environment variable {env}")
    return None


async def _bench(providers: dict[str, Provider], prompt: str, runs: int, progress: ProgressLine,
                 history: Path | None) -> BenchReport:
    try:
        return await run_bench(providers, prompt=prompt, runs=runs, history=history, progress=progress)
    finally:
        await _close_all(providers)


async def _close_all(providers: dict[str, Provider]) -> None:
    for provider in providers.values():
        try:
            await provider.aclose()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass


# ---- progress (stderr) ----------------------------------------------------------------------------


def run_label(index: int, runs: int) -> str:
    return "warm-up" if index == 0 else f"run {index}/{runs}"


def describe_run(result: RunResult) -> str:
    if not result.ok:
        return f"error: {result.error or 'failed'}"
    parts = [f"TTFT {fmt_ms(result.ttft_ms)}"]
    if result.reused_connection:
        parts.append("reused connection")
    else:
        parts.append(f"new connection, connect {fmt_ms(result.connect_ms)}")
    if result.tokens_per_s is not None:
        parts.append(f"{result.tokens_per_s:,.0f} tok/s")
    return " · ".join(parts)


class ProgressLine:
    """On a terminal one line rewritten in place; in a pipe or a log, one line per finished run."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = is_tty(stream)
        self.dirty = False

    def __call__(self, step: BenchStep) -> None:
        head = f"bench [{step.done}/{step.total}] {step.provider} {run_label(step.index, step.runs)}"
        if step.result is None:
            if self.live:
                self._rewrite(f"bench [{step.done + 1}/{step.total}] {step.provider} "
                              f"{run_label(step.index, step.runs)}…")
            return
        line = f"{head}: {describe_run(step.result)}"
        if self.live:
            self._rewrite(line)
        else:
            self.stream.write(visible_controls(redact(line)) + "\n")
            self.stream.flush()

    def _rewrite(self, line: str) -> None:
        self.stream.write("\r\x1b[K" + visible_controls(redact(line)))
        self.stream.flush()
        self.dirty = True

    def close(self) -> None:
        if self.live and self.dirty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.dirty = False


# ---- results (stdout) -----------------------------------------------------------------------------


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms"


def table_rows(report: BenchReport) -> list[list[str]]:
    rows = [["provider", "model", "runs", "errors", "TTFT median", "p95", "min", "max", "tok/s", "vs fastest"]]
    for p in report.providers:
        ttft, rate = p.ttft, p.tokens_per_s
        rows.append([
            p.provider,
            _cut(p.model, MODEL_WIDTH),
            str(len(p.runs)),
            str(p.errors),
            _ms(ttft.median if ttft else None),
            _ms(ttft.p95 if ttft else None),
            _ms(ttft.min if ttft else None),
            _ms(ttft.max if ttft else None),
            "—" if rate is None else f"{rate.median:,.0f}",
            verdict_words(p.verdict, p.provider),
        ])
    return rows


def format_table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    left = {0, 1, len(widths) - 1}  # names and words left, figures right
    lines = []
    for row in rows:
        cells = [cell.ljust(w) if i in left else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return lines


def connection_line(p: ProviderResult, width: int) -> str:
    cold, reused = p.by_connection(False), p.by_connection(True)
    parts = []
    if cold:
        ttft = _median([r.ttft_ms for r in cold])
        connect = _median([r.connect_ms for r in cold])
        what = "the warm-up" if len(cold) == 1 and cold[0].warmup else f"{len(cold)} runs"
        parts.append(f"new connection: TTFT {_ms(ttft)} (connect {_ms(connect)}; {what})")
    elif p.warmup is not None and not p.warmup.ok:
        parts.append("new connection: the warm-up failed")
    if reused:
        parts.append(f"reused: TTFT median {_ms(_median([r.ttft_ms for r in reused]))} ({len(reused)} runs)")
    return f"  {p.provider.ljust(width)}  " + (" · ".join(parts) if parts else "no successful run")


def _median(values: list[float | None]) -> float | None:
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    mid = len(data) // 2
    return data[mid] if len(data) % 2 else (data[mid - 1] + data[mid]) / 2


def write_table(report: BenchReport, out: TextIO) -> None:
    lines = [f"{report.runs} run{'s' if report.runs != 1 else ''} per provider after one warm-up each "
             f"(not counted), one request at a time", ""]
    lines += format_table(table_rows(report))
    width = max((len(p.provider) for p in report.providers), default=8)
    lines += ["", "Connections (a new connection's connect time is inside its TTFT):"]
    lines += [connection_line(p, width) for p in report.providers]
    errors = [(p.provider, e) for p in report.providers for e in p.last_errors()]
    if errors:
        lines += ["", "Last errors:"]
        lines += [f"  {e}" for _, e in errors]
    if report.notes:
        lines += ["", "Notes:"]
        lines += [f"  - {note}" for note in report.notes]
    text = "\n".join(lines) + "\n"
    out.write(safe(text, out))
    out.flush()


__all__ = ["run_bench_command", "write_table", "table_rows", "format_table", "ProgressLine", "select_providers"]
