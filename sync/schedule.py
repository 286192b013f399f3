"""Run the pulls on a schedule inside the server process.

``start_scheduler(settings)`` starts a daemon thread that pulls every source every
``sync_interval_minutes`` (top-level setting, 0 = off) and returns a handle to stop it.
Several server workers may each start one: a lock file in the instance folder makes sure
only one of them pulls at a time, and the others skip that turn.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from contextlib import contextmanager
from typing import Any, Iterator

log = logging.getLogger("chips.sync")


@contextmanager
def sync_lock(settings: Any, wait: bool) -> Iterator[bool]:
    """Hold the instance's sync lock: one pull at a time per instance, whether it comes from
    the command or the server's schedule. Yields False (without the lock) when ``wait`` is
    off and another process holds it."""
    lock_path = settings.instance_dir / "sync.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class Scheduler:
    def __init__(self, settings: Any, interval_seconds: float):
        self.settings = settings
        self.interval = interval_seconds
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="chips-sync", daemon=True)
        self.runs = 0

    def start(self) -> "Scheduler":
        self.thread.start()
        return self

    def stop(self, timeout: float | None = 10) -> None:
        self._stop.set()
        self.thread.join(timeout)

    def run_once(self) -> bool:
        """One turn; False when another process holds the lock (it is pulling)."""
        from sync.runner import run

        with sync_lock(self.settings, wait=False) as locked:
            if not locked:
                return False
            try:
                for name, tally in run(self.settings, trigger="schedule").items():
                    if tally.stopped:
                        log.warning("sync %s stopped: %s", name, tally.stopped)
            except Exception:  # noqa: BLE001 - a bad turn must not end the schedule
                log.exception("scheduled sync failed")
            finally:
                self.runs += 1
        return True

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.run_once()


def start_scheduler(settings: Any) -> Scheduler | None:
    """Start pulling on the schedule of the settings; None when no schedule is set."""
    minutes = int(getattr(settings, "sync_interval_minutes", 0) or 0)
    if minutes <= 0 or not settings.section("sources", {}):
        return None
    return Scheduler(settings, minutes * 60).start()
