"""Process plumbing shared by the API, the worker and the CLI: logs, metrics, Temporal access."""
