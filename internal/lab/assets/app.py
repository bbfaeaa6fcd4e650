#!/usr/bin/python3
"""Switchyard lab app: answers every request, any method and path, with a line
that names the instance and machine that served it, so tests can check round
robin and routing from the body alone, e.g. "lab-app 8080 on swlab-1 path=/x".
With a VERSION it says that too ("lab-app 8080 v2 on …"), which is how the
blue-green tests tell a deployed version from the previous one.

/sleep?ms=N answers after N milliseconds (at most 60000): a long request,
for the tests that prove a drained server finishes what it has in flight.

Usage: app.py PORT [BIND_ADDRESS [VERSION]]   (default address 127.0.0.1)
"""
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = int(sys.argv[1])
ADDRESS = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
VERSION = f" {sys.argv[3]}" if len(sys.argv) > 3 else ""
NAME = socket.gethostname()
MAX_SLEEP_MS = 60000


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with Content-Length keeps connections reusable by HAProxy.
    protocol_version = "HTTP/1.1"
    server_version = "lab-app"

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        url = urlsplit(self.path)
        if url.path == "/sleep":
            try:
                ms = int(parse_qs(url.query).get("ms", ["0"])[0])
            except ValueError:
                ms = 0
            time.sleep(min(max(ms, 0), MAX_SLEEP_MS) / 1000)
        body = f"lab-app {PORT}{VERSION} on {NAME} path={self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = answer

    def log_message(self, format, *args):
        pass  # one journal line per test request is noise


ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer((ADDRESS, PORT), Handler).serve_forever()
