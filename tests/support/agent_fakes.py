"""Plugin: what an agent talks to, or must not reach, as fixtures: `agent_server` (an HTTP agent
or a git host that records what it is sent), `llm` (FakeLLM, an OpenAI-compatible model) and
`api_port` (a port listening on the worker's host, standing in for hookflow's API)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support.fakes.agent import FakeAgentServer
from tests.support.fakes.llm import FakeLLM


@pytest.fixture
def agent_server() -> Iterator[FakeAgentServer]:
    with FakeAgentServer() as server:
        yield server


@pytest.fixture
def api_port() -> Iterator[int]:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        yield listening.getsockname()[1]


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake
