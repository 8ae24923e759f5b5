"""Real HTTP endpoints for tests: moto's ThreadedMotoServer on a free port, and a fault proxy in front."""
from __future__ import annotations

import contextlib
import functools
import http.client
import json
import socket
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import boto3
import botocore.config

CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto's backends are process-wide: start every server empty
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=10).read()
    try:
        yield url
    finally:
        server.stop()


@functools.lru_cache(maxsize=None)
def client(url: str):
    """One client per endpoint (building a session re-reads botocore's JSON models: slow)."""
    return boto3.session.Session(region_name="us-east-1", **CREDS).client(
        "secretsmanager", endpoint_url=url,
        config=botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=10))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FaultProxy:
    """Forwards to ``target``; the first ``fail`` requests get ``status`` (400 throttling or 500) instead.
    ``drop_after`` closes connections without answering once that many requests went through."""

    def __init__(self, target: str, fail: int = 0, status: int = 400, drop_after: int | None = None,
                 delay: float = 0.0, hold_after: int | None = None) -> None:
        self.delay = delay
        self.hold_after = hold_after  # after that many forwarded requests, hold each new one until exit
        self.holding = threading.Event()
        self.release = threading.Event()
        self.target = target.split("//", 1)[1]
        self.fail = fail
        self.status = status
        self.drop_after = drop_after
        self.requests = 0
        self.forwarded = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy.lock:
                    proxy.requests += 1
                    n = proxy.requests
                if n <= proxy.fail:
                    err = ({"__type": "ThrottlingException", "message": "Rate exceeded"} if proxy.status == 400
                           else {"__type": "InternalServiceError", "message": "boom"})
                    data = json.dumps(err).encode()
                    self.send_response(proxy.status)
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if proxy.drop_after is not None and proxy.forwarded >= proxy.drop_after:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if proxy.delay:
                    time.sleep(proxy.delay)
                if proxy.hold_after is not None and proxy.forwarded >= proxy.hold_after:
                    proxy.holding.set()
                    proxy.release.wait(30)
                    return
                conn = http.client.HTTPConnection(proxy.target, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request("POST", self.path, body, headers)
                r = conn.getresponse()
                data = r.read()
                with proxy.lock:
                    proxy.forwarded += 1
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
