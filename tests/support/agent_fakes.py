"""Plugin: the agents' local servers as fixtures, `agent_server` (an HTTP agent or a git host
that records what it is sent) and `llm` (FakeLLM, an OpenAI-compatible model)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fakes.agent import FakeAgentServer
from tests.support.fakes.llm import FakeLLM


@pytest.fixture
def agent_server() -> Iterator[FakeAgentServer]:
    with FakeAgentServer() as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as fake:
        yield fake
