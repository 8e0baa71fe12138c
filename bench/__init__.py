"""Load benchmarks run by hand against a running service (not part of the test suite)."""
