"""The agent sandbox's pure parts: the git URL derived from the API URL, and the allow-listed
environment an agent gets."""

from __future__ import annotations

import os

import pytest

from activities.sandbox import agent_environment
from settings import git_base_from


@pytest.mark.parametrize(
    ("git_url", "api_url", "expected"),
    [
        ("", "https://api.github.com", "https://github.com"),
        ("", "https://api.github.com/", "https://github.com"),
        ("", "https://ghe.example.com/api/v3", "https://ghe.example.com"),
        ("", "https://api.octocorp.ghe.com", "https://octocorp.ghe.com"),
        ("", "http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://git.example.com/", "https://api.github.com", "https://git.example.com"),
        ("file:///srv/remotes", "https://api.github.com", "file:///srv/remotes"),
    ],
)
def test_git_base_url_derives_from_api_url_unless_given(
    git_url: str, api_url: str, expected: str
) -> None:
    assert git_base_from(git_url, api_url) == expected


@pytest.mark.parametrize(
    ("source", "allowed", "expected"),
    [
        ({"PATH": "/usr/bin", "GITHUB_TOKEN": "t", "API_TOKEN": "a"}, [], {"PATH": "/usr/bin"}),
        (
            {"LANG": "C.UTF-8", "LC_ALL": "C", "TZ": "UTC", "secret": "s"},
            [],
            # No PATH in the worker's environment: the system default, never an empty one.
            {"PATH": os.defpath, "LANG": "C.UTF-8", "LC_ALL": "C", "TZ": "UTC"},
        ),
        (
            {"OPENAI_API_KEY": "k", "HOME": "/root", "HOOKFLOW_X": "worker's"},
            ["OPENAI_API_KEY"],
            {"PATH": os.defpath, "OPENAI_API_KEY": "k"},
        ),
        ({"PATH": "/opt/agent/bin:/usr/bin"}, ["PATH"], {"PATH": "/opt/agent/bin:/usr/bin"}),
    ],
)
def test_agent_environment_passes_only_allowed_names(
    source: dict[str, str], allowed: list[str], expected: dict[str, str]
) -> None:
    run_vars = {"HOOKFLOW_PHASE": "plan", "OTHER": "not a run value"}
    env = agent_environment(source, allowed, run_vars, "/agent-home")
    assert env == {**expected, "HOME": "/agent-home", "HOOKFLOW_PHASE": "plan"}
