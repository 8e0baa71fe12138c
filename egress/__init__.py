"""The agent's egress proxy: an allow-list of hosts, enforced outside the sandbox."""
