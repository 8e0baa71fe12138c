"""Kept only for bench/stack.py, which imports the fake sinks from here: they live in
tests/support/fakes/sinks.py. Delete this file once bench/stack.py imports them from there."""

from tests.support.fakes.sinks import FakeAIMaestro, Recorded

__all__ = ["FakeAIMaestro", "Recorded"]
