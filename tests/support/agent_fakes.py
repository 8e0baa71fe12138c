"""Plugin: what an agent talks to, or must not reach, as fixtures: `agent_server`, `llm` and
`api_port`."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.support.fakes.agent import FakeAgentServer
from tests.support.fakes.llm import FakeLLM


@pytest.fixture
def agent_server() -> Iterator[FakeAgentServer]:
    """An HTTP agent, or a git host that records the headers it is sent."""
    with FakeAgentServer() as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    """An OpenAI-compatible model with scripted answers."""
    with FakeLLM() as fake:
        yield fake


@pytest.fixture
def api_port() -> Iterator[int]:
    """A port listening on the worker's host, standing in for hookflow's API."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        yield listening.getsockname()[1]
