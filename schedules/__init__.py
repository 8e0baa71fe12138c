"""Temporal schedules hookflow keeps in step with its settings: retention and missed-delivery
recovery, created or updated by the worker at start-up."""
