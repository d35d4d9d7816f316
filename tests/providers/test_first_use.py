"""The HTTP client is imported at first use, and first use may come from several threads at
once (the TLS context is built off the loop while the loop runs the health checks). None of
them may see the module half loaded: that showed every provider as "down" with
``module 'httpx' has no attribute 'HTTPError'`` on screen."""

from __future__ import annotations

import json
import subprocess
import sys

from qwen_tui.sim import Simulator

#: A fresh process: nothing of httpx imported; four threads and the loop's health check touch
#: the provider layer at the same moment.
FIRST_USE_AT_ONCE = """
import asyncio, json, sys, threading
from qwen_tui.providers.base import ProviderSettings
from qwen_tui.providers.registry import build_provider
from qwen_tui.providers import http

assert "httpx._client" not in sys.modules, "httpx was imported before first use"
provider = build_provider(ProviderSettings("ollama", "ollama", sys.argv[1], "qwen2.5-coder:7b"))
barrier = threading.Barrier(5)
errors = []

def touch(i):
    barrier.wait()
    try:
        if i % 2:
            http.shared_tls_context()
        else:
            http.httpx.HTTPError, http.httpx.Response
            provider.client
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=touch, args=(i,)) for i in range(4)]
for t in threads:
    t.start()

async def main():
    barrier.wait()
    try:
        health = await provider.check()
    except Exception as exc:
        errors.append(repr(exc))
        return None
    finally:
        await provider.aclose()
    return {"reachable": health.reachable, "error": health.error}

health = asyncio.run(main())
for t in threads:
    t.join()
print(json.dumps({"errors": errors, "health": health}))
"""


def test_first_use_from_several_threads_at_once_never_sees_a_half_loaded_module(sim: Simulator):
    url = sim.base_urls()["ollama"]
    for run in range(6):
        out = subprocess.run([sys.executable, "-c", FIRST_USE_AT_ONCE, url], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr[-2000:]
        result = json.loads(out.stdout.splitlines()[-1])
        assert result["errors"] == [], (run, result)
        assert result["health"] == {"reachable": True, "error": None}, (run, result)


#: A fresh process: the client made ready, then one request; which modules the request imported
#: between handing the request to the pool and its first token (they would be inside its TTFT).
FIRST_REQUEST_IMPORTS = """
import asyncio, json, sys
from qwen_tui.providers.base import ChatRequest, Message, ProviderSettings
from qwen_tui.providers.registry import build_provider
from qwen_tui.providers import http
from qwen_tui.providers.base import TextDelta

provider = build_provider(ProviderSettings("sambanova", "sambanova", sys.argv[1], "Meta-Llama-3.3-70B-Instruct",
                                            api_key=sys.argv[2]))

async def main():
    await http.http_client_ready()
    before, during = set(sys.modules), None
    async for event in provider.stream(ChatRequest([Message("user", "hi")])):
        if isinstance(event, TextDelta) and during is None:
            during = sorted(set(sys.modules) - before)
    await provider.aclose()
    return during

print(json.dumps(asyncio.run(main())))
"""


def test_the_first_request_of_a_process_imports_nothing_inside_its_window(sim: Simulator):
    """httpcore picks its network backend, and anyio imports it, at the first connect: ~20 ms
    that were counted in the first TTFT of every cold ``ask``. ``http_client_ready`` imports
    them beforehand, off the loop."""
    url = sim.base_urls()["sambanova"]
    out = subprocess.run([sys.executable, "-c", FIRST_REQUEST_IMPORTS, url, sim.keys["sambanova"]],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    imported = json.loads(out.stdout.splitlines()[-1])
    assert imported == [], imported
