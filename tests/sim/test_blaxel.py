"""Blaxel: control-plane listings (bare or paged), required headers, run-plane URLs, sandbox 403."""

from __future__ import annotations

import httpx
import pytest

from qwen_tui.sim import Simulator

from .conftest import MESSAGES, blaxel_headers

VERSION = {"Blaxel-Version": "2026-09-22"}


def _walk(sim: Simulator, resource: str, limit: int) -> list[dict]:
    pages: list[dict] = []
    cursor = None
    headers = {**blaxel_headers(), **VERSION}
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = httpx.get(
            f"{sim.base_urls()['blaxel_api']}/{resource}", headers=headers, params=params
        ).json()
        pages.append(page)
        # the wire is camelCase (sdk-go pagination.go, sdk-python PaginationMeta.to_dict)
        assert "has_more" not in page["meta"] and "next_cursor" not in page["meta"]
        if not page["meta"]["hasMore"]:
            assert "nextCursor" not in page["meta"]
            return pages
        cursor = page["meta"]["nextCursor"]


def test_pagination_walks_every_page(sim: Simulator) -> None:
    pages = _walk(sim, "models", limit=2)
    assert [len(p["data"]) for p in pages] == [2, 2, 2]
    assert {p["meta"]["total"] for p in pages} == {6}
    assert {p["meta"]["totalIsPartial"] for p in pages} == {False}
    names = [m["metadata"]["name"] for p in pages for m in p["data"]]
    assert len(set(names)) == 6 and {"sim-model", "sandbox-model"} <= set(names)
    assert [m["metadata"]["name"] for p in _walk(sim, "agents", limit=2) for m in p["data"]] == [
        "code-reviewer",
        "doc-writer",
        "test-runner",
    ]


def test_without_version_header_a_bare_array(sim: Simulator) -> None:
    api = sim.base_urls()["blaxel_api"]
    models = httpx.get(f"{api}/models", headers=blaxel_headers(), params={"limit": 2}).json()
    assert isinstance(models, list) and len(models) == 6
    workspaces = httpx.get(f"{api}/workspaces", headers=blaxel_headers()).json()
    assert [w["name"] for w in workspaces] == ["sim-workspace", "sim-workspace-2"]


def test_model_objects_point_at_the_run_plane(sim: Simulator) -> None:
    api = sim.base_urls()["blaxel_api"]
    model = httpx.get(f"{api}/models/sim-model", headers=blaxel_headers()).json()
    assert model["metadata"]["url"] == f"{sim.url}/blaxel/run/sim-workspace/models/sim-model"
    assert model["metadata"]["workspace"] == "sim-workspace"
    assert model["spec"]["sandbox"] is False
    assert model["spec"]["runtime"] == {
        "type": "openai",
        "model": "qwen2.5-coder-32b-instruct",
        "endpointName": "qwen2.5-coder-32b-instruct",
    }
    sandbox = httpx.get(f"{api}/models/sandbox-model", headers=blaxel_headers()).json()
    assert sandbox["spec"]["sandbox"] is True
    missing = httpx.get(f"{api}/models/nope", headers=blaxel_headers())
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "WORKLOAD_NOT_FOUND"
    # the URL from the control plane answers chat
    chat = httpx.post(
        f"{model['metadata']['url']}/v1/chat/completions",
        headers=blaxel_headers(),
        json={"model": "qwen2.5-coder-32b-instruct", "messages": MESSAGES},
    )
    assert chat.status_code == 200 and chat.json()["model"] == "qwen2.5-coder-32b-instruct"


def test_sandbox_chat_is_403_with_the_real_text(sim: Simulator) -> None:
    response = httpx.post(
        f"{sim.blaxel_model_url('sandbox-model')}/v1/chat/completions",
        headers=blaxel_headers(),
        json={"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True},
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["message"] == "Endpoint not allowed on sandbox model"
    assert error["code"] == "FORBIDDEN" and error["status"] == 403


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-Blaxel-Authorization": "Bearer bl_simulatorkey0001"}, 401),  # no workspace
        ({"X-Blaxel-Workspace": "sim-workspace"}, 401),  # no key
        # the plain Authorization header is not Blaxel's
        (
            {"Authorization": "Bearer bl_simulatorkey0001", "X-Blaxel-Workspace": "sim-workspace"},
            401,
        ),
        ({**blaxel_headers(), "X-Blaxel-Authorization": "Bearer nope"}, 401),
        (blaxel_headers("someone-elses"), 403),
    ],
)
def test_both_headers_are_required(sim: Simulator, headers: dict[str, str], status: int) -> None:
    for url in (
        f"{sim.base_urls()['blaxel_api']}/models",
        f"{sim.blaxel_model_url()}/v1/chat/completions",
    ):
        if url.endswith("completions"):
            response = httpx.post(url, headers=headers, json={"messages": MESSAGES})
        else:
            response = httpx.get(url, headers=headers)
        assert response.status_code == status, url
        error = response.json()["error"]
        assert error["code"] == ("AUTHENTICATION_FAILED" if status == 401 else "FORBIDDEN")


def test_other_workspace_lists_nothing_and_url_must_match_header(sim: Simulator) -> None:
    api = sim.base_urls()["blaxel_api"]
    assert httpx.get(f"{api}/models", headers=blaxel_headers("sim-workspace-2")).json() == []
    response = httpx.post(
        f"{sim.blaxel_model_url()}/v1/chat/completions",
        headers=blaxel_headers("sim-workspace-2"),
        json={"messages": MESSAGES},
    )
    assert response.status_code == 403


def test_bad_cursor_and_limit_are_400(sim: Simulator) -> None:
    api = sim.base_urls()["blaxel_api"]
    headers = {**blaxel_headers(), **VERSION}
    for params in ({"cursor": "!!!"}, {"limit": 0}, {"limit": "many"}):
        response = httpx.get(f"{api}/models", headers=headers, params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "BAD_REQUEST"


def test_extra_models_knob_makes_a_long_listing(sim: Simulator) -> None:
    sim.set_knobs("blaxel", extra_models=114)
    pages = _walk(sim, "models", limit=50)
    assert [len(p["data"]) for p in pages] == [50, 50, 20]
    names = [m["metadata"]["name"] for p in pages for m in p["data"]]
    assert len(set(names)) == 120 and names[-1] == "sim-extra-114"


def test_snake_case_pages_on_request(sim: Simulator) -> None:
    sim.set_knobs("blaxel", page_keys="snake")
    api = sim.base_urls()["blaxel_api"]
    meta = httpx.get(f"{api}/models", headers={**blaxel_headers(), **VERSION}, params={"limit": 2}).json()["meta"]
    assert meta["has_more"] is True and meta["next_cursor"] and "hasMore" not in meta


def test_non_openai_runtime_is_not_served_as_openai(sim: Simulator) -> None:
    api = sim.base_urls()["blaxel_api"]
    model = httpx.get(f"{api}/models/sim-claude", headers=blaxel_headers()).json()
    assert model["spec"]["runtime"]["type"] == "anthropic"
    chat = httpx.post(
        f"{model['metadata']['url']}/v1/chat/completions", headers=blaxel_headers(),
        json={"model": "claude-sonnet-4-5", "messages": MESSAGES},
    )
    assert chat.status_code == 404 and "anthropic" in chat.json()["error"]["message"]
