"""Shared test helpers, loaded as pytest plugins from tests/conftest.py."""
