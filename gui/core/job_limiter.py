"""JobLimiter: at most N training jobs at once in this process; the rest wait in line.

The one thing training shares between sessions: tickets, never a model or data.

Example:
    limiter = JobLimiter.from_env()        # LAYERLAB_TRAINING_SLOTS, default the CPU count
    limiter.join(ticket)
    if limiter.acquire(ticket, cancelled=stop_event):
        try: ...train...
        finally: limiter.release(ticket)
"""

from __future__ import annotations

import os
import threading
from collections import deque

SLOTS_ENV = "LAYERLAB_TRAINING_SLOTS"


class JobLimiter:
    """At most `slots` jobs train at once; the others wait in first-come, first-served order.

    One instance is shared by every session of the process (the UI gets it through
    `st.cache_resource`); it holds only tickets, never a user's model or data.

    Args:
        slots: how many jobs may train at the same time (at least 1).
    """

    def __init__(self, slots: int):
        self.slots = max(1, int(slots))
        self._cond = threading.Condition()
        self._running: set[int] = set()
        self._waiting: deque[int] = deque()

    @staticmethod
    def slots_from_env() -> int:
        """LAYERLAB_TRAINING_SLOTS, or the number of CPU cores."""
        raw = os.environ.get(SLOTS_ENV, "").strip()
        try:
            return max(1, int(raw)) if raw else max(1, os.cpu_count() or 1)
        except ValueError:
            return max(1, os.cpu_count() or 1)

    @classmethod
    def from_env(cls) -> JobLimiter:
        return cls(cls.slots_from_env())

    def join(self, ticket: int) -> None:
        """Take a place at the end of the line (acquire() then waits from that place)."""
        with self._cond:
            if ticket not in self._waiting and ticket not in self._running:
                self._waiting.append(ticket)

    def acquire(self, ticket: int, cancelled: threading.Event | None = None,
                poll: float = 0.1) -> bool:
        """Wait in line for a slot; False when `cancelled` is set before one frees up."""
        with self._cond:
            if ticket not in self._waiting:
                self._waiting.append(ticket)
            try:
                while not (self._waiting[0] == ticket and len(self._running) < self.slots):
                    if cancelled is not None and cancelled.is_set():
                        return False
                    self._cond.wait(poll)
                self._waiting.popleft()
                self._running.add(ticket)
                return True
            finally:
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                self._cond.notify_all()

    def release(self, ticket: int) -> None:
        with self._cond:
            self._running.discard(ticket)
            self._cond.notify_all()

    def ahead(self, ticket: int) -> int | None:
        """How many jobs are before `ticket` in the line; None when it is not waiting."""
        with self._cond:
            try:
                return list(self._waiting).index(ticket)
            except ValueError:
                return None

    @property
    def running(self) -> int:
        with self._cond:
            return len(self._running)

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)


_tickets = iter(range(1, 2**62))
_ticket_lock = threading.Lock()


def next_ticket() -> int:
    with _ticket_lock:
        return next(_tickets)
