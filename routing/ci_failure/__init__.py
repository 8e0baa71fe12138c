"""CI-failure text, pure and deterministic so the API, the workflows and the CLI's dry run agree:
log excerpts (excerpt), the failed-jobs sections (jobs) and issue/comment bodies (bodies)."""
