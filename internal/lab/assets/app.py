#!/usr/bin/python3
"""Switchyard lab app: answers every request, any method and path, with a line
that names the instance and machine that served it, so tests can check round
robin and routing from the body alone, e.g. "lab-app 8080 on swlab-1 path=/x".

Usage: app.py PORT [BIND_ADDRESS]   (default address 127.0.0.1)
"""
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1])
ADDRESS = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
NAME = socket.gethostname()


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 with Content-Length keeps connections reusable by HAProxy.
    protocol_version = "HTTP/1.1"
    server_version = "lab-app"

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = f"lab-app {PORT} on {NAME} path={self.path}\n".encode()
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
