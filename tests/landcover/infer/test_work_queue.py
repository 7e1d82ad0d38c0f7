"""The work queue without MPI (one process does everything, in the given order)."""

from landcover.infer.work_queue import run_queue


def test_alone_every_item_once_in_order():
    seen: list[int] = []
    run_queue(None, [3, 1, 2], lambda index: index * 10, seen.append)
    assert seen == [30, 10, 20]
