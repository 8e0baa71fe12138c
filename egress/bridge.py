"""Inside the agent's sandbox (no network but loopback): listen on 127.0.0.1:PORT and carry each
connection to the egress proxy's Unix socket, then exec the agent command.

    python3 -I -S bridge.py PORT SOCKET -- AGENT ARGV…

Standard library only: it runs on the sandbox's system interpreter. The listener is ready before
the agent starts; the forwarder is a forked process that dies with the sandbox (the agent is the
sandbox's main process: when it exits, bubblewrap ends the PID namespace).
"""

from __future__ import annotations

import os
import socket
import sys
import threading

CHUNK = 65536


def pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(CHUNK):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def relay(client: socket.socket, path: str) -> None:
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(path)
    except OSError:
        client.close()
        upstream.close()
        return
    back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    back.start()
    pump(client, upstream)
    back.join()
    client.close()
    upstream.close()


def serve(listener: socket.socket, path: str) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=relay, args=(client, path), daemon=True).start()


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: bridge.py PORT SOCKET -- COMMAND…", file=sys.stderr)
        return 2
    port, path, command = int(argv[0]), argv[1], argv[3:]
    listener = socket.create_server(("127.0.0.1", port), backlog=128)
    child = os.fork()
    if child == 0:
        # Forked twice, so the forwarder is not the agent's child (a shell's `wait` or a
        # reaper in the agent never sees it): the sandbox's init adopts it.
        if os.fork() != 0:
            os._exit(0)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # hold none of the agent's pipes open
            os.dup2(null, fd)
        try:
            serve(listener, path)
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    listener.close()
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        print(f"hookflow: cannot run {command[0]!r}: {exc}", file=sys.stderr)
    return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
