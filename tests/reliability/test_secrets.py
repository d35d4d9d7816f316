"""With the keys set to known values, run every command and a scripted TUI session (errors and
--debug included, servers that echo the key back), then scan stdout, stderr, every file under the
XDG folders and the project folder (exports, logs, sessions, metrics): the key values are nowhere."""

from __future__ import annotations

import os
from pathlib import Path

from qwen_tui.session import SessionStore
from qwen_tui.sim import Fault
from tests.reliability.faults import KEYS, PROVIDERS
from tests.reliability.tui_driver import SIZE, make_app, send
from tests.support.app import settle

SECRETS = list(KEYS.values())


def files_under(*folders: Path) -> list[Path]:
    return [Path(root) / name for folder in folders if folder.exists()
            for root, _, names in os.walk(folder) for name in names]


def leaks(text: str) -> list[str]:
    return [key for key in SECRETS if key in text]


def scan_files(*folders: Path) -> list[str]:
    found = []
    for path in files_under(*folders):
        data = path.read_bytes().decode("utf-8", "replace")
        found += [f"{path}: {key}" for key in leaks(data)]
    return found


def xdg() -> list[Path]:
    return [Path(os.environ[v]) for v in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")]


def echo_key(sim, name: str, kind: str) -> None:
    """The next request to ``name`` fails with a body that quotes its key (servers do that)."""
    key = KEYS[PROVIDERS[name]]
    if kind == "status":
        sim.push_fault(Fault(kind="status", status=401, message=f"key {key} is not valid"), provider=PROVIDERS[name])
    else:
        sim.push_fault(Fault(kind="error_event", after_tokens=1, message=f"quota of {key} used"),
                       provider=PROVIDERS[name])


def test_every_command_keeps_the_keys_secret(run_cli, sim, workdir: Path) -> None:
    outputs = []
    commands = [("ask", "hi"), ("ask", "--json", "hi"), ("providers",), ("providers", "--json"),
                ("models", "sambanova"), ("models", "blaxel", "--json"), ("config", "--check"), ("config", "--path"),
                ("bench", "--runs", "1", "--json"), ("bench", "--runs", "1")]
    for argv in commands:
        outputs.append(run_cli(*argv))
    for name in ("huggingface", "sambanova", "blaxel", "local"):
        for kind in ("status", "event"):
            for debug in ((), ("--debug",)):
                echo_key(sim, name, kind)
                result = run_cli("ask", *debug, "--provider", name, "hi")
                assert result.code == 1, result.stderr
                outputs.append(result)
        echo_key(sim, name, "status")
        outputs.append(run_cli("models", "--debug", name))
    # The servers did quote the keys: the messages show where they were taken out.
    assert sum("[redacted]" in r.stderr for r in outputs) >= 8
    found = [f"{r.stdout}{r.stderr}" for r in outputs if leaks(r.stdout + r.stderr)]
    assert not found, found[0]
    assert not scan_files(*xdg(), workdir)


async def test_tui_session_keeps_the_keys_secret(sim, workdir: Path, tmp_path: Path) -> None:
    app = make_app(sim, workdir, tmp_path, provider="huggingface", check_health=True)
    async with app.run_test(size=SIZE) as pilot:
        for name in ("huggingface", "sambanova", "blaxel", "local"):
            app.switch_provider(name)
            await send(pilot, "fine question")
            await settle(app, saved=True)
            for kind in ("status", "event"):
                echo_key(sim, name, kind)
                answer = await send(pilot, f"question with a {kind} error")
                await settle(app, saved=True)
                assert answer.outcome == "error"
                assert not leaks(answer.error_message + str(answer.query_one(".answer-error").render()))
        await pilot.pause()
        shown = "\n".join(str(n.message) for n in app._notifications)
        assert not leaks(shown)
        screen_text = app.export_screenshot()
        assert not leaks(screen_text)
        store = SessionStore()
        session = store.load(app.session.id)
        export = store.export_to_file(session, workdir / "export.md")
        assert not leaks(store.export_markdown(session))
        assert export.exists()
    assert not scan_files(*xdg(), workdir)
