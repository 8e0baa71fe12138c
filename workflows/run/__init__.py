"""RunWorkflow, one AI run on an issue, as named steps: `workflow` reads top to bottom and calls
`phases`, `ci` and `feedback`; `context` holds the run's state and bookkeeping, `inputs` its data
types, `messages` the Markdown it posts, `signals` the names people may send."""
