"""Test doubles for external services (GitHub) that speak real HTTP on 127.0.0.1."""

from tests.support.fakes.github import FakeGitHub, RecordedRequest

__all__ = ["FakeGitHub", "RecordedRequest"]
