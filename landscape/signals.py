"""SIGINT, SIGTERM and SIGHUP end a run cleanly: one line, a non-zero exit, nothing half-written.

``install()`` (the CLI calls it) makes each of the three signals raise
``Interrupted`` in the main thread, so the ``finally``/``except BaseException``
blocks of the writers remove their staging folders. The signal is also
remembered: ``check()`` raises again at the last moment before a result
folder is renamed into place, in case a library (a C extension calling back
into Python) swallowed the first exception.
"""

from __future__ import annotations

import signal

_received: list[int] = []


class Interrupted(BaseException):
    """A run stopped by a signal; ``signum`` says which. A BaseException (like
    KeyboardInterrupt) so that no ``except Exception`` on the way swallows it, and not a
    KeyboardInterrupt, which click would turn into its own Abort."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _handler(signum, frame):
    _received.append(signum)
    if _in_swallowing_callback(frame):
        return  # raised here it would be printed and ignored; check() raises it at the next checkpoint
    raise Interrupted(signum)


def _in_swallowing_callback(frame) -> bool:
    """True when the signal interrupted a callback whose exceptions Python prints as "Exception
    ignored in ..." and drops: the weakref callback that releases a module's import lock (the
    first import of a module while a result is written, e.g. matplotlib's 3-D toolkit)."""
    code = getattr(frame, "f_code", None)
    return code is not None and code.co_name == "cb" and "importlib" in code.co_filename


SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


def install() -> dict:
    """Route SIGINT, SIGTERM and SIGHUP to ``Interrupted``; return the previous handlers for
    ``restore``. Outside the main thread (where handlers cannot be set) it does nothing."""
    import threading

    _received.clear()
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, _handler) for sig in SIGNALS}


def restore(previous: dict) -> None:
    """Put back the handlers ``install`` replaced (a caller embedding the CLI keeps its own)."""
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def received() -> int | None:
    """The first signal received since ``install()``, or None."""
    return _received[0] if _received else None


def check() -> None:
    """Raise ``Interrupted`` if a signal arrived, even if its first exception was swallowed."""
    if _received:
        raise Interrupted(_received[0])


def ignore_in_worker() -> None:
    """Worker processes leave the signals to their parent (which shuts them down), so a
    Ctrl-C prints no traceback from each worker."""
    for sig in (signal.SIGINT, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
