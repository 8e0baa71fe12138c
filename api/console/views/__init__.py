"""Pure view models: what a page shows, computed from rows (no I/O, table-tested)."""
