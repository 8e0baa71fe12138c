"""AI runs outside their workflow: one rule admits a new run or attaches to the active one."""
