"""Background repair loops the worker runs beside its Temporal polling."""
