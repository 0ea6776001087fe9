import threading
import time

import pytest

from alexnet_viewer.core.frame.mailbox import LatestMailbox, MailboxClosed, MailboxCounts


def test_newest_item_wins_and_replaced_ones_are_counted():
    box = LatestMailbox()
    assert box.put(1) is False
    assert box.put(2) is True
    assert box.put(3) is True
    assert box.take(timeout=0) == 3
    assert box.take(timeout=0) is None
    assert box.counts() == MailboxCounts(posted=3, taken=1, dropped=2)


def test_take_waits_for_a_producer():
    box = LatestMailbox()
    threading.Timer(0.05, box.put, args=("frame",)).start()
    assert box.take(timeout=5) == "frame"


def test_close_wakes_a_waiting_consumer_and_ignores_later_puts():
    box = LatestMailbox()
    raised = threading.Event()

    def consume():
        try:
            box.take()
        except MailboxClosed:
            raised.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    time.sleep(0.05)
    box.close()
    consumer.join(timeout=5)
    assert raised.is_set() and not consumer.is_alive()
    assert box.put("late") is False
    with pytest.raises(MailboxClosed):
        box.take(timeout=0)


def test_a_slow_consumer_never_builds_a_backlog():
    box = LatestMailbox()
    seen = []

    def consume():
        while True:
            try:
                item = box.take()
            except MailboxClosed:
                return
            seen.append(item)
            time.sleep(0.01)

    consumer = threading.Thread(target=consume)
    consumer.start()
    for frame in range(200):
        box.put(frame)
        time.sleep(0.0005)
    time.sleep(0.05)
    box.close()
    consumer.join(timeout=5)
    assert seen[-1] == 199
    assert len(seen) < 100
    counts = box.counts()
    assert counts.posted == 200 and counts.taken + counts.dropped == 200
