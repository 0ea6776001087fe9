import threading

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


def test_take_gets_what_another_thread_puts():
    box = LatestMailbox()
    got, waiting = [], threading.Event()

    def consume():
        waiting.set()
        got.append(box.take(timeout=30))

    consumer = threading.Thread(target=consume)
    consumer.start()
    waiting.wait(30)
    box.put("frame")  # before or while the consumer waits: either way it gets the frame
    consumer.join(timeout=30)
    assert got == ["frame"]


def test_close_wakes_a_waiting_consumer_and_ignores_later_puts():
    box = LatestMailbox()
    raised, waiting = threading.Event(), threading.Event()

    def consume():
        waiting.set()
        try:
            box.take()
        except MailboxClosed:
            raised.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    waiting.wait(30)
    box.close()  # the consumer is waiting, or about to: either way it is told
    consumer.join(timeout=30)
    assert raised.is_set() and not consumer.is_alive()
    assert box.put("late") is False
    with pytest.raises(MailboxClosed):
        box.take(timeout=0)


def test_a_slow_consumer_never_builds_a_backlog():
    """The consumer takes one frame for every ten posted (in lockstep, not by timing)."""
    box = LatestMailbox()
    seen = []
    may_take, took = threading.Semaphore(0), threading.Semaphore(0)

    def consume():
        while True:
            may_take.acquire()
            try:
                item = box.take(timeout=30)
            except MailboxClosed:
                return
            seen.append(item)
            took.release()

    consumer = threading.Thread(target=consume)
    consumer.start()
    for frame in range(200):
        box.put(frame)
        if frame % 10 == 9:
            may_take.release()
            assert took.acquire(timeout=30)
    box.close()
    may_take.release()
    consumer.join(timeout=30)
    assert seen == list(range(9, 200, 10))
    counts = box.counts()
    assert counts.posted == 200 and counts.taken == 20 and counts.dropped == 180


def test_wait_free_holds_a_producer_until_the_slot_is_taken():
    import threading

    from alexnet_viewer.core.frame.mailbox import LatestMailbox, MailboxClosed

    box = LatestMailbox()
    assert box.wait_free(0)
    box.put("prepared")
    assert not box.wait_free(0)
    taker = threading.Thread(target=box.take)
    taker.start()
    assert box.wait_free(30)  # woken by the take, not by the timeout
    taker.join()
    box.close()
    with pytest.raises(MailboxClosed):
        box.wait_free(0)
