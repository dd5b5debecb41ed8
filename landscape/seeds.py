"""The seed rule: one integer seed per run, a named child stream per consumer.

A run's ``seed`` becomes a ``numpy.random.SeedSequence``; every consumer of
randomness (one optimizer of a scenario, one landscape's starts, one cell of a
sweep) draws from its own child, keyed by stable names::

    rng = stream(seed, "run", spec.name, position)   # a numpy Generator

The key of a child is its names, each turned into a 32-bit word (an int >= 0 as
itself below 2**32, anything else by a BLAKE2b hash of its text), appended to
the parent's ``spawn_key``. So the numbers of one consumer depend only on the
seed and its own names: adding an optimizer, a landscape or a sweep cell never
changes anyone else's numbers, and a task gives the same numbers on any worker
and in any order. (The critical-point engine keeps its own documented scheme:
batch b of a search with seed s draws its starts from SeedSequence([s, b]).)
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["child", "stream", "word"]


def word(name: object) -> int:
    """A stable 32-bit word for a name: ints in [0, 2**32) as themselves; a string by the
    BLAKE2b hash of its UTF-8 text; anything else (floats, other ints) by the hash of
    ``type:repr``, which is the same on every machine and Python version."""
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool) and 0 <= int(name) < 2**32:
        return int(name)
    text = name if isinstance(name, str) else f"{type(name).__name__}:{name!r}"
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "little")


def child(seed, *names) -> np.random.SeedSequence:
    """The SeedSequence of the consumer ``names`` under ``seed`` (an int >= 0 or a
    SeedSequence, whose own key the names extend)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + tuple(map(word, names)))
    return np.random.SeedSequence(int(seed), spawn_key=tuple(map(word, names)))


def stream(seed, *names) -> np.random.Generator:
    """A Generator (PCG64) drawing the stream of the consumer ``names`` under ``seed``."""
    return np.random.Generator(np.random.PCG64(child(seed, *names)))
