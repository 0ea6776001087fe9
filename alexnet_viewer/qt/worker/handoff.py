"""One prepared frame between the lane that prepares and the lane that runs (accelerators).

The preparing lane waits until the slot is free before it takes the next job, so it takes
the newest picture while the current one runs, and at most one prepared frame waits.
"""

from __future__ import annotations

import threading

from alexnet_viewer.core.frame.mailbox import MailboxClosed


class Handoff:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item = None
        self._closed = False

    def wait_free(self, timeout_s: float) -> bool:
        """True once the slot is empty; raises MailboxClosed once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._item is None or self._closed, timeout_s)
            if self._closed:
                raise MailboxClosed
            return self._item is None

    def put(self, item) -> None:
        with self._cond:
            if not self._closed:
                self._item = item
                self._cond.notify_all()

    def take(self, timeout_s: float):
        """The waiting item, or None after ``timeout_s``; raises MailboxClosed once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._item is not None or self._closed, timeout_s)
            if self._closed:
                raise MailboxClosed
            item, self._item = self._item, None
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._item = None
            self._cond.notify_all()
