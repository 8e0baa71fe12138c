"""The read model's queries, shared by the HTTP API, the CLI and the console."""
