"""Run a WSGI app on loopback in a thread, with request counting and injected faults."""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field

from werkzeug.serving import make_server


@dataclass
class Fault:
    """Make the next ``times`` requests whose path contains ``path`` fail as ``kind``:
    ``timeout`` (answer after ``delay`` s), ``429`` (with Retry-After), ``500``, ``502``,
    ``truncate`` (a 200 whose JSON body is cut in half) or ``reset`` (close the socket)."""

    kind: str
    path: str = ""
    times: int = 1
    delay: float = 2.0
    retry_after: str = "0"
    query: str = ""


@dataclass
class Log:
    entries: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, query: str) -> None:
        with self.lock:
            self.entries.append((method, path, query))

    def count(self, method: str | None = None, contains: str = "", query: str = "") -> int:
        with self.lock:
            return sum(1 for m, p, q in self.entries
                       if (method is None or m == method) and contains in p and query in q)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def take_fault(faults: list[Fault], lock: threading.Lock, path: str, query: str) -> Fault | None:
    with lock:
        for f in faults:
            if f.times > 0 and f.path in path and f.query in query:
                f.times -= 1
                return f
    return None


def reset_connection(environ) -> None:
    """Drop the TCP connection with an RST (SO_LINGER 0), as a broken proxy would."""
    sock: socket.socket | None = environ.get("werkzeug.socket")
    if sock is not None:
        import struct
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


def truncate_marked_bodies(app) -> None:
    """A 200 answer to a request marked ``environ["fake.truncate"]`` (a "truncate" fault)
    is cut in half, as a connection dropped mid-body leaves it."""
    from flask import request

    @app.after_request
    def _truncate(resp):
        if request.environ.get("fake.truncate") and resp.status_code == 200:
            body = resp.get_data()
            resp.set_data(body[: len(body) // 2])
        return resp


class ThreadedServer:
    def __init__(self, app):
        # one log line per request would drown the test output and slow the fakes down
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def slow(delay: float) -> None:
    time.sleep(delay)
