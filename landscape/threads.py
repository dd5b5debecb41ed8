"""One BLAS thread for the numerics, however the library is entered.

The work here is batches of small matrices (Hessians of a few to a few hundred
rows): a BLAS thread pool does not speed them up, and when another process holds
a core OpenBLAS's spinning threads slow them down enormously (a batched eigh of
189 27 x 27 matrices: 12 ms on one thread, 3 s on two beside a busy process).
Parallelism is ``jobs`` worker processes instead. The command line sets the
thread variables before numpy loads (``landscape.cli``); a library caller gets
``single_blas_thread`` around each search, through threadpoolctl, unless they
set a thread count themselves (any of ``ENV``), which is kept.
"""

from __future__ import annotations

import contextlib
import functools
import os

ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_blas_thread():
    """A context manager limiting BLAS to one thread (a no-op when the user chose a count)."""
    if any(name in os.environ for name in ENV):
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # installed without its dependencies: slower beside a busy process, not wrong
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def blas_single_threaded(fn):
    """Decorator: run ``fn`` inside ``single_blas_thread()``."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with single_blas_thread():
            return fn(*args, **kwargs)
    return wrapper
