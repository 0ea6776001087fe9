"""A one-slot, newest-wins mailbox between frame sources and the engine.

A producer never waits: putting a frame replaces any frame still waiting, and the
replaced one is counted as dropped. A slow consumer therefore always gets the newest
frame and lag cannot build up. The same box holds the newest weights request, and one
prepared frame between two lanes (``wait_free``: the preparing lane takes its next job
only once the slot is empty).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class MailboxClosed(Exception):
    """Raised by ``take`` once the mailbox is closed and empty."""


@dataclass(frozen=True)
class MailboxCounts:
    posted: int
    taken: int
    dropped: int


class LatestMailbox(Generic[T]):
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._has_item = False
        self._closed = False
        self._posted = 0
        self._taken = 0
        self._dropped = 0

    def put(self, item: T) -> bool:
        """Leave ``item`` for the consumer; returns True if it replaced a waiting one."""
        with self._cond:
            if self._closed:
                return False
            replaced = self._has_item
            if replaced:
                self._dropped += 1
            self._item, self._has_item = item, True
            self._posted += 1
            self._cond.notify_all()
            return replaced

    def take(self, timeout: float | None = None) -> T | None:
        """The newest item, waiting up to ``timeout`` seconds; None on timeout.

        Raises MailboxClosed when closed with nothing left to take.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: self._has_item or self._closed, timeout):
                return None
            if not self._has_item:
                raise MailboxClosed
            item, self._item, self._has_item = self._item, None, False
            self._taken += 1
            self._cond.notify_all()  # a producer may wait for the slot to be free
            return item

    def wait_free(self, timeout: float | None) -> bool:
        """True once nothing waits in the box (within ``timeout`` seconds); raises
        MailboxClosed once closed."""
        with self._cond:
            self._cond.wait_for(lambda: not self._has_item or self._closed, timeout)
            if self._closed:
                raise MailboxClosed
            return not self._has_item

    def close(self) -> None:
        """Wake every waiter; later puts are ignored. A waiting item is discarded."""
        with self._cond:
            self._closed = True
            self._item, self._has_item = None, False
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def counts(self) -> MailboxCounts:
        with self._cond:
            return MailboxCounts(self._posted, self._taken, self._dropped)
