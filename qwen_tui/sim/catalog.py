"""The models, agents and workspaces each simulated provider lists, in its own JSON shape."""

from __future__ import annotations

from typing import Any

CREATED = 1_735_689_600  # 2025-01-01T00:00:00Z: fixed, so listings are stable across runs
CREATED_ISO = "2025-01-01T00:00:00Z"

# The model each provider is configured with when the app runs against the simulator (--demo).
DEFAULT_MODELS: dict[str, str] = {
    "huggingface": "Qwen/Qwen2.5-Coder-32B-Instruct",
    "sambanova": "Meta-Llama-3.3-70B-Instruct",
    "ollama": "qwen2.5-coder:7b",
    "blaxel": "sim-model",
    "openai": "sim-openai-model",
}

# ---------------------------------------------------------------- Hugging Face router

HF_MODELS: dict[str, dict[str, Any]] = {
    "Qwen/Qwen2.5-Coder-32B-Instruct": {"owned_by": "Qwen", "context_length": 32768},
    "meta-llama/Llama-3.3-70B-Instruct": {"owned_by": "meta-llama", "context_length": 131072},
    "Qwen/Qwen3-Coder-480B-A35B-Instruct": {"owned_by": "Qwen", "context_length": 262144},
    "deepseek-ai/DeepSeek-V3.1": {"owned_by": "deepseek-ai", "context_length": 131072},
}
HF_UPSTREAMS = (("sambanova", 180, 410.0), ("novita", 420, 85.0), ("hf-inference", 650, 45.0))


def hf_model_id(requested: str) -> str:
    """Drop a ``:provider`` / ``:fastest`` policy suffix: the router accepts any of them."""
    return requested.split(":", 1)[0]


def hf_models() -> dict[str, Any]:
    data = []
    for model_id, info in HF_MODELS.items():
        providers = [
            {
                "provider": name,
                "status": "live",
                "context_length": info["context_length"],
                "pricing": {"input": 0.2, "output": 0.6},
                "supports_tools": True,
                "supports_structured_output": True,
                "first_token_latency_ms": latency,
                "throughput": throughput,
                "is_model_author": False,
            }
            for name, latency, throughput in HF_UPSTREAMS
        ]
        data.append(
            {
                "id": model_id,
                "object": "model",
                "created": CREATED,
                "owned_by": info["owned_by"],
                "providers": providers,
            }
        )
    return {"object": "list", "data": data}


# ---------------------------------------------------------------- SambaNova

SAMBANOVA_MODELS: dict[str, dict[str, int]] = {
    "Meta-Llama-3.3-70B-Instruct": {"context_length": 131072, "max_completion_tokens": 3072},
    "DeepSeek-V3.1": {"context_length": 32768, "max_completion_tokens": 7168},
    "gpt-oss-120b": {"context_length": 131072, "max_completion_tokens": 131072},
    "Llama-4-Maverick-17B-128E-Instruct": {"context_length": 131072, "max_completion_tokens": 4096},
}


def sambanova_model(model_id: str) -> dict[str, Any]:
    info = SAMBANOVA_MODELS[model_id]
    return {
        "id": model_id,
        "object": "model",
        "owned_by": "sambanova",
        "context_length": info["context_length"],
        "max_completion_tokens": info["max_completion_tokens"],
        "pricing": {"prompt": "0.0000006", "completion": "0.0000012"},
    }


def sambanova_models() -> dict[str, Any]:
    return {"object": "list", "data": [sambanova_model(m) for m in SAMBANOVA_MODELS]}


# ---------------------------------------------------------------- Ollama

OLLAMA_MODELS: dict[str, dict[str, Any]] = {
    "qwen2.5-coder:7b": {
        "size": 4_683_087_332,
        "digest": "2b0496514337a3d5901f1d253d01726c890b721e891335a56d6e08cedf3e2cb0",
        "family": "qwen2",
        "parameter_size": "7.6B",
        "parameter_count": 7_615_616_512,
        "context_length": 32768,
    },
    "llama3.2:3b": {
        "size": 2_019_393_189,
        "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
        "family": "llama",
        "parameter_size": "3.2B",
        "parameter_count": 3_212_749_888,
        "context_length": 131072,
    },
    "llama3:8b": {  # a short window (8,192): what a prompt too long for its model meets
        "size": 4_661_224_676,
        "digest": "365c0bd3c000a25d28ddbf732fe1c6add414de7275464c4e4d1c3b5fcb5d8ad1",
        "family": "llama",
        "parameter_size": "8.0B",
        "parameter_count": 8_030_261_248,
        "context_length": 8192,
    },
}
#: The num_ctx Ollama loads a model with when the request sets none (below 24 GiB of VRAM).
OLLAMA_DEFAULT_NUM_CTX = 4096


def ollama_model_name(requested: str) -> str | None:
    """The catalog name for ``requested`` (a bare name means ``:latest``), or None."""
    name = requested if ":" in requested else f"{requested}:latest"
    return name if name in OLLAMA_MODELS else None


def _ollama_details(info: dict[str, Any]) -> dict[str, Any]:
    return {
        "parent_model": "",
        "format": "gguf",
        "family": info["family"],
        "families": [info["family"]],
        "parameter_size": info["parameter_size"],
        "quantization_level": "Q4_K_M",
    }


def ollama_tags() -> dict[str, Any]:
    return {
        "models": [
            {
                "name": name,
                "model": name,
                "modified_at": "2025-01-01T00:00:00.000000000Z",
                "size": info["size"],
                "digest": info["digest"],
                "details": _ollama_details(info),
            }
            for name, info in OLLAMA_MODELS.items()
        ]
    }


def ollama_show(name: str) -> dict[str, Any]:
    info = OLLAMA_MODELS[name]
    family = info["family"]
    return {
        "license": "Apache License 2.0",
        "modelfile": f"# Modelfile generated by the qwen-tui simulator\nFROM {name}\n",
        "parameters": 'stop "<|im_end|>"',
        "template": "{{ .Prompt }}",
        "details": _ollama_details(info),
        "model_info": {
            "general.architecture": family,
            "general.parameter_count": info["parameter_count"],
            f"{family}.context_length": info["context_length"],
        },
        "capabilities": ["completion", "tools"],
        "modified_at": "2025-01-01T00:00:00.000000000Z",
    }


def ollama_ps(loaded: list[str], contexts: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "models": [
            {
                "name": name,
                "model": name,
                "size": OLLAMA_MODELS[name]["size"],
                "digest": OLLAMA_MODELS[name]["digest"],
                "details": _ollama_details(OLLAMA_MODELS[name]),
                "expires_at": "2099-01-01T00:00:00Z",
                "size_vram": OLLAMA_MODELS[name]["size"],
                "context_length": (contexts or {}).get(name, OLLAMA_DEFAULT_NUM_CTX),
            }
            for name in loaded
            if name in OLLAMA_MODELS
        ]
    }


def ollama_openai_models() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": CREATED, "owned_by": "library"}
            for name in OLLAMA_MODELS
        ],
    }


# ---------------------------------------------------------------- Blaxel

# name -> (runtime model, sandbox). openai-type runtimes unless BLAXEL_RUNTIME_TYPES says otherwise.
BLAXEL_MODELS: dict[str, tuple[str, bool]] = {
    "sim-model": ("qwen2.5-coder-32b-instruct", False),
    "sandbox-model": ("gpt-4o-mini", True),
    "sim-llama": ("llama-3.3-70b-instruct", False),
    "sim-deepseek": ("deepseek-v3.1", False),
    "sim-gpt-oss": ("gpt-oss-120b", False),
    "sim-claude": ("claude-sonnet-4-5", False),
}
# Models whose runtime is not OpenAI-compatible: the run plane proxies them to their upstream's
# own paths, so an OpenAI chat request is not theirs to answer.
BLAXEL_RUNTIME_TYPES: dict[str, str] = {"sim-claude": "anthropic"}
EXTRA_MODEL_RUNTIME = "qwen2.5-coder-7b-instruct"


def blaxel_extra_model_names(count: int) -> list[str]:
    """``count`` more model names for long listings (the ``extra_models`` knob)."""
    return [f"sim-extra-{i:03d}" for i in range(1, count + 1)]


def blaxel_runtime(name: str) -> tuple[str, str, bool]:
    """(runtime type, runtime model, sandbox) of a catalog or extra model."""
    runtime_model, sandbox = BLAXEL_MODELS.get(name, (EXTRA_MODEL_RUNTIME, False))
    return BLAXEL_RUNTIME_TYPES.get(name, "openai"), runtime_model, sandbox

BLAXEL_AGENTS = ("code-reviewer", "doc-writer", "test-runner")
OTHER_WORKSPACE = "sim-workspace-2"


def blaxel_model(name: str, workspace: str, run_url: str) -> dict[str, Any]:
    """A model object; ``metadata.url`` is where its run plane answers."""
    runtime_type, runtime_model, sandbox = blaxel_runtime(name)
    return {
        "metadata": {
            "name": name,
            "workspace": workspace,
            "url": f"{run_url}/{workspace}/models/{name}",
            "displayName": name.replace("-", " ").title(),
            "labels": {"x-blaxel-simulator": "true"},
            "createdAt": CREATED_ISO,
            "updatedAt": CREATED_ISO,
            "createdBy": "simulator",
        },
        "spec": {
            "enabled": True,
            "sandbox": sandbox,
            "runtime": {"type": runtime_type, "model": runtime_model, "endpointName": runtime_model},
            "integrationConnections": ["sim-openai-connection"],
        },
        "status": "DEPLOYED",
    }


def blaxel_agent(name: str, workspace: str, run_url: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "workspace": workspace,
            "url": f"{run_url}/{workspace}/agents/{name}",
            "displayName": name.replace("-", " ").title(),
            "labels": {},
            "createdAt": CREATED_ISO,
            "updatedAt": CREATED_ISO,
        },
        "spec": {"enabled": True, "runtime": {"type": "http", "memory": 2048}},
        "status": "DEPLOYED",
    }


def blaxel_workspaces(workspace: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "displayName": name.replace("-", " ").title(),
            "region": "us-pdx-1",
            "status": "created",
            "createdAt": CREATED_ISO,
        }
        for name in (workspace, OTHER_WORKSPACE)
    ]


# ---------------------------------------------------------------- generic OpenAI-compatible

OPENAI_MODELS = ("sim-openai-model",)


def openai_models() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": name, "object": "model", "created": CREATED, "owned_by": "simulator"}
            for name in OPENAI_MODELS
        ],
    }
