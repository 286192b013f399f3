"""A real HTTP server for tests: the app on waitress, in a thread, on a free port."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from waitress import wasyncore
from waitress.server import create_server


@contextmanager
def serving(app, **waitress_options) -> Iterator[str]:
    """Yield the base URL (``http://127.0.0.1:<port>``) while ``app`` answers on it."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="chips-test", **waitress_options)
    stop = threading.Event()

    def run() -> None:
        # waitress has no stop(): run its loop in short turns and close the sockets from
        # this same thread, so select() never sees a socket closed under it
        try:
            while not stop.is_set():
                wasyncore.loop(timeout=0.1, map=server._map, count=1)
        finally:
            server.task_dispatcher.shutdown()
            wasyncore.close_all(server._map)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(timeout=10)
