#!/usr/bin/env python3
"""An HTTP receiver for the notify tests: records every POST and can be told
to fail.

    python3 receiver.py DIR

Prints `PORT <n>` once listening on 127.0.0.1. Each request is appended to
DIR/requests.jsonl as {"path", "headers", "body_hex", "answered"}. What it
answers a path /NAME/... is read from DIR/mode-NAME at each request:
  ok (or no file)  200
  500              500, body "down for maintenance"
  400              400, body "invalid_payload"
  hang             reads the request, then answers nothing for 60 s
  close            reads the request, then closes the connection unanswered
  slow             200, half a second late
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        name = self.path.strip("/").split("/")[0] or "root"
        try:
            with open(os.path.join(DIR, "mode-" + name)) as f:
                mode = f.read().strip()
        except FileNotFoundError:
            mode = "ok"
        entry = {
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_hex": body.hex(),
            "answered": mode,
        }
        with LOCK, open(os.path.join(DIR, "requests.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")
        if mode == "hang":
            time.sleep(60)
            return
        if mode == "slow":
            time.sleep(0.5)
        if mode == "close":
            self.close_connection = True
            return
        status, text = {"500": (500, b"down for maintenance"), "400": (400, b"invalid_payload")}.get(
            mode, (200, b"ok")
        )
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def do_GET(self):
        # Serves DIR/get/<path> (a status.json for --previous).
        path = os.path.join(DIR, "get", self.path.strip("/"))
        try:
            with open(path, "rb") as f:
                data = f.read()
            self.send_response(200)
        except OSError:
            data = b"not found"
            self.send_response(404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (timed out on "hang") resets the connection.
        pass


server = Server(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
