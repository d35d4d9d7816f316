"""Where each provider's protocol answers on a simulator at ``url``: known from the URL alone, so
a client can be pointed at a simulator that is still starting (``qwen_tui.demo``)."""

from __future__ import annotations


def base_urls(url: str) -> dict[str, str]:
    return {
        "huggingface": f"{url}/hf/v1",
        "sambanova": f"{url}/sambanova/v1",
        "ollama": f"{url}/ollama",
        "blaxel": f"{url}/blaxel/run",
        "blaxel_api": f"{url}/blaxel/api/v0",
        "openai": f"{url}/openai/v1",
    }
