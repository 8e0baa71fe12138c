"""The operator console at /console: server-rendered pages over the read model, acting through
the pipeline's own functions (replay, retry, run signals)."""
