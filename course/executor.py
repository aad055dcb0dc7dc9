"""Where kernels run: a local process pool, or a Dask cluster behind the same interface.

The coordinator only uses ``concurrent.futures``: ``submit`` and ``as_completed``. Locally
that is a ``ProcessPoolExecutor``; with ``--scheduler tcp://host:8786`` it is the executor
of a ``dask.distributed.Client`` (which is how a Slurm cluster made by dask-jobqueue is
used as well). Workers on other machines must see the course folder at the same path (a
shared file system), because each job names its work folder by path.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Iterator


def cpu_count() -> int:
    """CPUs this process may use (the affinity mask, not the machine's total)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Plan:
    workers: int    # kernels running at once
    threads: int    # math threads per kernel, so that workers * threads <= cores


def plan(workers: int | None, jobs: int, cores: int | None = None) -> Plan:
    """Size the pool: all cores by default, never more workers than jobs, threads split evenly.

    Kernels that each start one math thread per core oversubscribe the machine
    (``workers * cores`` threads on ``cores`` cores) and every kernel slows down.
    """
    cores = cores or cpu_count()
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    wanted = workers if workers is not None else cores
    active = max(1, min(wanted, jobs)) if jobs else 1
    return Plan(workers=active, threads=max(1, cores // active))


@contextlib.contextmanager
def make_executor(workers: int, scheduler: str | None = None) -> Iterator[Executor]:
    """A ``concurrent.futures`` executor: local processes, or the Dask scheduler at ``scheduler``."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - dask is in requirements.txt
            raise RuntimeError("--scheduler needs the `distributed` package") from exc
        client = Client(scheduler, timeout="30s")
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
        return
    # "spawn": workers start clean, without the coordinator's threads or open gradebook.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
