"""What the tests share: pytest plugins (fixtures and hooks, listed in tests/conftest.py's
`pytest_plugins`), helpers imported by name, and fakes of external services (fakes/)."""
