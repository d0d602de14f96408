"""Run a function over many jobs on every core, results in job order.

The workers receive the shared context (catalogue, registry, key…) once each, as the
pool's initializer arguments: inherited where they are forked (Linux), pickled where they
are spawned (Windows, macOS, CCHC_PORTABLE: see oslayer.portable). Nothing else of this
process reaches them, so everything a job needs must be in its context. Then only the jobs
and the results travel between processes.
"""
from __future__ import annotations

import os
import signal
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

from .portable import pool_context

_TASK: tuple = ()


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _init(func: Callable, context: tuple, tempdir: str | None) -> None:
    global _TASK
    _TASK = (func, context)
    # Ctrl+C is the parent's to handle (it stops the run and says so): a worker that took
    # it too would print a traceback of its own, in English.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker forked from ``cchc watch`` would take its SIGTERM handler: a worker that is
    # terminated (by the pool, when it shuts down) ends at once, without a traceback.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Temporary files go where the caller's go (an output run keeps them in its staging
    # folder, so that a kill leaves nothing behind): a spawned worker would not know.
    tempfile.tempdir = tempdir


def _call_chunk(jobs: list) -> list:
    func, context = _TASK
    return [func(job, *context) for job in jobs]


def ordered_map(func: Callable, jobs: Sequence, context: tuple = (), *, min_jobs: int = 32,
                chunksize: int = 16) -> Iterator:
    """``func(job, *context)`` for every job, in order; in worker processes when there are
    at least ``min_jobs`` jobs and more than one core (below that, starting workers costs
    more than it saves). ``func`` must be a module-level function."""
    workers = cores()
    if workers < 2 or len(jobs) < min_jobs:
        yield from (func(job, *context) for job in jobs)
        return
    chunks = (list(jobs[i:i + chunksize]) for i in range(0, len(jobs), chunksize))
    window = deque()   # a few chunks in flight, not every job at once: memory stays flat
    pool = ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=_init,
                               initargs=(func, context, tempfile.tempdir))
    try:
        for chunk in chunks:
            window.append(pool.submit(_call_chunk, chunk))
            if len(window) >= workers * 4:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
    except BaseException:
        # Ctrl+C, a stop, a failure, or the caller done with the results (GeneratorExit):
        # the workers are ended now, not waited for until they finish every chunk sent.
        end_workers(pool)
        raise
    pool.shutdown(wait=True)


def end_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what ``pool`` has not started and end its workers at once (SIGTERM, or
    TerminateProcess on Windows), waiting only for them and the pool's own thread to be
    gone: no worker outlives the command, whatever it was doing."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(10)
    if manager is not None:
        # Its end (the pool found broken) closes a pipe that Python's exit writes to: done
        # now, not racing the exit (Python 3.11: «OSError: Bad file descriptor» on stderr).
        manager.join(10)
