#!/usr/bin/env python3
"""A hostile agent for the network tests: it tries hookflow's own services directly, then asks
the egress proxy (HTTPS_PROXY) for them by every name it can think of, and fetches the one host
it is allowed; prints what happened as JSON.

Arguments: one JSON object {"direct": [ports], "connect": ["host:port", …],
"allowed": "host:port"}.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import urllib.request
from urllib.parse import urlsplit


def direct(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def proxy_address() -> tuple[str, int]:
    url = urlsplit(os.environ.get("HTTPS_PROXY", ""))
    return url.hostname or "", url.port or 0


def connect(target: str) -> str:
    """The proxy's status line for CONNECT target (and the reason when refused)."""
    try:
        with socket.create_connection(proxy_address(), timeout=5) as s:
            s.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            status = answer.split(b"\r\n", 1)[0].decode()
            if " 200 " in status:
                s.sendall(b"GET /through-tunnel HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                body = b""
                while chunk := s.recv(4096):
                    body += chunk
                return f"{status} | {body.decode(errors='replace').splitlines()[-1]}"
            s.settimeout(2)
            try:
                rest = s.recv(4096)
            except OSError:
                rest = b""
            return f"{status} | {(answer + rest).decode(errors='replace').splitlines()[-1]}"
    except OSError as exc:
        return f"error: {exc}"


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # HTTP_PROXY from the env
            return response.read().decode()
    except Exception as exc:  # noqa: BLE001 - reported
        return f"error: {exc}"


def main() -> int:
    json.load(sys.stdin)
    plan = json.loads(sys.argv[1])
    names = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy")
    report = {
        "env": {k: os.environ.get(k) for k in names},
        "direct": {str(p): direct(p) for p in plan["direct"]},
        "connect": {t: connect(t) for t in plan["connect"]},
        "allowed_http": fetch(f"http://{plan['allowed']}/plain"),
        "allowed_connect": connect(plan["allowed"]),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
