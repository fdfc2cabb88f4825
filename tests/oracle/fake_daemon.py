#!/usr/bin/env python3
"""A stand-in Docker daemon that records the context tar the legacy CLI sends.

    python tests/oracle/fake_daemon.py SOCKET OUTDIR &
    DOCKER_HOST=unix://SOCKET DOCKER_BUILDKIT=0 docker build -f DF CTX

Answers the API calls the CLI makes before a classic build (``/_ping``,
``/version``), stores the body of ``POST /build`` as ``OUTDIR/NNN.tar`` and
replies with a build error, so the CLI exits. The recorded tar is the exact
byte stream the legacy builder would receive: ctxaudit's legacy transfer
size is checked against it.
"""

from __future__ import annotations

import json
import os
import socketserver
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

OUT = Path(".")
COUNTER = [0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: object) -> None:  # quiet
        pass

    def address_string(self) -> str:
        return "unix"

    def _json(self, code: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Api-Version", "1.41")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        if self.path.endswith("/_ping"):
            data = b"OK"
            self.send_response(200)
            self.send_header("Api-Version", "1.41")
            self.send_header("Builder-Version", "1")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(data)
            return
        if "/version" in self.path:
            self._json(200, {"ApiVersion": "1.41", "Version": "20.10.24", "MinAPIVersion": "1.12", "Os": "linux"})
            return
        self._json(404, {"message": "not found"})

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_POST(self) -> None:
        body = self._body()
        if "/build" in self.path:
            COUNTER[0] += 1
            (OUT / f"{COUNTER[0]:03d}.tar").write_bytes(body)
            msg = {"errorDetail": {"message": "recorded by fake daemon"}, "error": "recorded by fake daemon"}
            data = (json.dumps(msg) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self._json(404, {"message": "not found"})


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main() -> None:
    sock, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    global OUT
    OUT = out
    if os.path.exists(sock):
        os.unlink(sock)
    with Server(sock, Handler) as srv:
        srv.serve_forever()


if __name__ == "__main__":
    main()
