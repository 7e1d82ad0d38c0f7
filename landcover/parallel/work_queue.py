"""A work queue served by rank 0 over MPI: each rank takes the next item as soon as it has finished one.

Static shares leave ranks idle behind a slow item (a large or remote scene); here rank 0 keeps the queue
and hands out one item index per request, so every rank stays busy until the queue is empty. Rank 0
works through the queue too, while a thread of it answers the other ranks: it polls for requests
(``Iprobe`` + a 5 ms sleep) instead of blocking in ``recv``, because Open MPI's blocking receive spins and
would take a core from the computation. Each request carries the requester's previous result, so rank 0
sees every result as it arrives (for progress) and holds all of them at the end.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

Result = TypeVar("Result")

REQUEST_TAG = 71
REPLY_TAG = 72
POLL_INTERVAL_S = 0.005


class _Queue(Generic[Result]):
    """The pending items and the result callback, shared by rank 0's worker and its server thread."""

    def __init__(self, order: Sequence[int], on_result: Callable[[Result], None]) -> None:
        self.pending = deque(order)
        self.on_result = on_result
        self.lock = threading.Lock()

    def take(self) -> int | None:
        with self.lock:
            return self.pending.popleft() if self.pending else None

    def report(self, result: Result) -> None:
        with self.lock:
            self.on_result(result)


def _serve(comm: Any, queue: _Queue[Any], failure: list[BaseException]) -> None:
    """Answer the other ranks until each has been told the queue is empty."""
    from mpi4py import MPI

    try:
        waiting = comm.Get_size() - 1
        status = MPI.Status()
        while waiting:
            if not comm.Iprobe(source=MPI.ANY_SOURCE, tag=REQUEST_TAG, status=status):
                time.sleep(POLL_INTERVAL_S)
                continue
            rank = status.Get_source()
            result = comm.recv(source=rank, tag=REQUEST_TAG)
            if result is not None:
                queue.report(result)
            index = queue.take()
            comm.send(index, dest=rank, tag=REPLY_TAG)
            waiting -= index is None
    except BaseException as exc:  # surfaced by the main thread, which would otherwise wait forever
        failure.append(exc)


def run_queue(
    comm: Any | None,
    order: Sequence[int],
    work: Callable[[int], Result],
    on_result: Callable[[Result], None],
) -> None:
    """Run ``work`` on every item index across all ranks; every rank calls this.

    Args:
        comm: The MPI communicator (None or size 1: run everything here).
        order: Item indices in the order to hand them out (only rank 0's is used).
        work: Does one item on the calling rank and returns its result (picklable).
        on_result: Called on rank 0, one call at a time, with each result as it arrives.
    """
    if comm is None or comm.Get_size() == 1:
        for index in order:
            on_result(work(index))
        return
    if comm.Get_rank() != 0:
        result: Result | None = None
        while True:
            comm.send(result, dest=0, tag=REQUEST_TAG)
            index = comm.recv(source=0, tag=REPLY_TAG)
            if index is None:
                return
            result = work(index)
    queue: _Queue[Result] = _Queue(order, on_result)
    failure: list[BaseException] = []
    server = threading.Thread(target=_serve, args=(comm, queue, failure), name="work-queue", daemon=True)
    server.start()
    while not failure and (next_index := queue.take()) is not None:
        queue.report(work(next_index))
    server.join()
    if failure:
        raise failure[0]
