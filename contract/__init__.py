"""The Temporal contract shared by routing, workflows, activities, the API and the CLI: workflow
and signal names, the inputs routing builds, and the statuses every layer reads."""
