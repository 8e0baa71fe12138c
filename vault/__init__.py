"""Vault as a secret source: the hvac client (client.py), the start-up fill of Settings
(fill.py) and the live provider the API's request path reads (provider.py)."""
