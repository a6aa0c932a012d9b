"""The one place where randomness starts.

Every stochastic result in detente is a pure function of a seed. :func:`make_rng` turns a seed into
a :class:`numpy.random.Generator`; :func:`spawn` derives an independent child stream from a seed and
a path of keys (run number, actor, queue, ...), so that a run's random numbers depend only on the
master seed and the run's identity, never on worker processes or scheduling order.

>>> int(make_rng(1).integers(100)) == int(make_rng(1).integers(100))
True
>>> a = spawn(7, "run", 3).integers(1_000_000)
>>> b = spawn(7, "run", 3).integers(1_000_000)
>>> int(a) == int(b)
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np

from detente._types import SeedLike

__all__ = ["make_rng", "seed_sequence", "spawn", "spawn_seeds"]


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Return a :class:`numpy.random.SeedSequence` for ``seed``.

    ``None`` draws fresh entropy (not reproducible); an ``int`` or a ``SeedSequence`` is reproducible.
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        raise TypeError("pass a seed (int or SeedSequence), not a Generator")
    if seed is not None and (not isinstance(seed, int | np.integer) or seed < 0):
        raise TypeError(f"a seed must be a non-negative integer or None, got {seed!r}")
    return np.random.SeedSequence(None if seed is None else int(seed))


def make_rng(seed: SeedLike) -> np.random.Generator:
    """Return a PCG64 generator seeded from ``seed`` (int, ``SeedSequence`` or ``None``)."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed)))


def _key_to_int(key: int | str) -> int:
    if isinstance(key, int | np.integer):
        if key < 0:
            raise ValueError(f"spawn keys must be non-negative, got {key}")
        return int(key)
    digest = hashlib.sha256(str(key).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


def child_sequence(seed: SeedLike, *keys: int | str) -> np.random.SeedSequence:
    """Return the seed sequence of the child stream named by ``keys`` under ``seed``."""
    parent = seed_sequence(seed)
    spawn_key = tuple(parent.spawn_key) + tuple(_key_to_int(k) for k in keys)
    return np.random.SeedSequence(parent.entropy, spawn_key=spawn_key)


def spawn(seed: SeedLike, *keys: int | str) -> np.random.Generator:
    """Return an independent generator for the stream named by ``keys`` under ``seed``.

    The same (seed, keys) always give the same stream, whatever process asks for it.
    """
    return np.random.Generator(np.random.PCG64(child_sequence(seed, *keys)))


def spawn_seeds(seed: SeedLike, keys: Iterable[int | str]) -> list[np.random.SeedSequence]:
    """Return one child seed sequence per key: picklable, for handing to worker processes."""
    return [child_sequence(seed, key) for key in keys]
