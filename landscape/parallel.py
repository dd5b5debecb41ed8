"""Task maps over backends: this process, local worker processes, or a Dask cluster.

A backend runs pure tasks, a module-level function applied to plain inputs, and
``run(fn, tasks)`` yields ``(i, result)`` as each task finishes: completion order,
so a caller can store every result the moment it lands. Callers index results by
``i`` and merge them in task order, so no number depends on the backend, the
number of workers or which finished first.

- ``InProcess``: one after another, here.
- ``Processes(J)``: J worker processes (fork where there is one). A worker that dies
  (killed, out of memory) breaks the pool: the pool is rebuilt and the tasks that
  had not finished are run again, each at most ``RETRIES`` times.
- ``Dask(address)``: a ``dask.distributed`` cluster (``"local"`` starts a
  ``LocalCluster`` of J single-threaded worker processes here). The scheduler
  itself re-runs the tasks of a worker that died; a task it gives up on
  (``KilledWorker``) is submitted again, at most ``RETRIES`` times.

A task that raises an ordinary exception fails for good (the same inputs would
fail again); ``run`` yields ``(i, TaskFailed)`` for it and goes on with the rest.
``executor()`` gives a ``concurrent.futures``-style executor whose ``map`` keeps
the input order, for work split inside one computation (a search's chunks).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .errors import LandscapeError

RETRIES = 2
"""Times a task lost with its worker is run again before it counts as failed."""

INSTALL_DASK = "pip install 'landscape-sim[dask]'"


@dataclass(frozen=True)
class TaskFailed:
    """The outcome of a task that raised: the exception's type and message."""

    error: str

    def __str__(self) -> str:
        return self.error


def _failure(err: BaseException) -> TaskFailed:
    text = str(err).strip().splitlines()
    return TaskFailed(f"{type(err).__name__}: {text[0]}" if text else type(err).__name__)


def process_pool(jobs: int):
    """A ProcessPoolExecutor of ``jobs`` workers that leave signals to this process: forked
    where the platform can (no re-import of __main__, workers start in milliseconds)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from .signals import ignore_in_worker

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method), initializer=ignore_in_worker)


class InProcess:
    """Every task here, in order."""

    name = "in-process"
    workers = 1

    def run(self, fn: Callable, tasks: list, on_retry: Callable | None = None) -> Iterator[tuple[int, object]]:
        for i, task in enumerate(tasks):
            try:
                yield i, fn(task)
            except Exception as err:  # noqa: BLE001 - a task's own failure is its result
                yield i, _failure(err)

    def executor(self):
        return None

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Processes(InProcess):
    """J local worker processes; a pool broken by a dead worker is rebuilt and its tasks rerun."""

    name = "processes"

    def __init__(self, jobs: int):
        self.workers = jobs
        self._pool = None

    def executor(self):
        if self._pool is None:
            self._pool = process_pool(self.workers)
        return self._pool

    def run(self, fn, tasks, on_retry=None):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        left = dict(enumerate(tasks))
        tries = dict.fromkeys(left, 0)
        while left:
            pool = self.executor()
            futures = {pool.submit(fn, task): i for i, task in left.items()}
            broken = False
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in sorted(done, key=futures.get):
                        i = futures[fut]
                        try:
                            result = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        except Exception as err:  # noqa: BLE001
                            result = _failure(err)
                        del left[i]
                        yield i, result
                    if broken:
                        break
            except BaseException:
                self._shutdown(cancel=True)
                raise
            if broken:  # a worker died: every unfinished task of this pool is lost with it
                self._shutdown(cancel=True)
                for i in sorted(left):
                    tries[i] += 1
                    if tries[i] > RETRIES:
                        del left[i]
                        yield i, TaskFailed(f"its worker process died {tries[i]} times")
                    elif on_retry is not None:
                        on_retry(i, "a worker process died")

    def _shutdown(self, cancel: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
            self._pool = None

    def close(self) -> None:
        self._shutdown(cancel=True)


class Dask(InProcess):
    """A dask.distributed cluster: an existing scheduler's address, or "local" for a LocalCluster."""

    name = "dask"

    def __init__(self, address: str, jobs: int = 1, timeout: float = 3.0):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise LandscapeError(f"--scheduler needs Dask's distributed scheduler: {INSTALL_DASK}") from None
        import logging

        for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker"):
            logging.getLogger(name).setLevel(logging.ERROR)  # a worker death is ours to report, in one line
        self.address = address
        self._cluster = None
        try:
            if address == "local":
                self._cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self._cluster, timeout=timeout)
            else:
                self.client = Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as err:
            self.close()
            what = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise LandscapeError(f"--scheduler {address}: no Dask scheduler answered ({what})") from None
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def run(self, fn, tasks, on_retry=None):
        from distributed import as_completed
        from distributed.client import FutureCancelledError

        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover - older layouts
            from distributed import KilledWorker

        def submit(i, attempt):
            fut = self.client.submit(fn, tasks[i], pure=False, key=f"landscape-task-{i}-{attempt}-{os.getpid()}")
            index[fut.key] = i
            return fut

        index: dict = {}
        tries = dict.fromkeys(range(len(tasks)), 0)
        futures = [submit(i, 0) for i in range(len(tasks))]
        queue = as_completed(futures)
        try:
            for fut in queue:
                i = index[fut.key]
                try:
                    result = fut.result()
                except (KilledWorker, FutureCancelledError, OSError) as err:
                    tries[i] += 1
                    if tries[i] <= RETRIES:
                        if on_retry is not None:
                            on_retry(i, f"its worker was lost ({type(err).__name__})")
                        queue.add(submit(i, tries[i]))
                        continue
                    result = _failure(err)
                except Exception as err:  # noqa: BLE001
                    result = _failure(err)
                fut.release()
                yield i, result
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise

    def executor(self):
        return self.client.get_executor(pure=False)

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def open_backend(jobs: int = 1, scheduler: str | None = None):
    """The backend for ``--jobs`` and ``--scheduler``: Dask when a scheduler is named (its
    workers decide the parallelism; with "local", J of them), else J local processes, else
    this process."""
    if scheduler is not None:
        return Dask(scheduler, jobs=max(jobs, 1))
    return Processes(jobs) if jobs > 1 else InProcess()

