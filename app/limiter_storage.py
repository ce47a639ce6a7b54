"""The rate limiter's in-process store, without a thread per request.

``limits``' ``memory://`` store starts a timer thread to sweep expired counters whenever
the previous one has ended, so a busy worker starts a thread for almost every POST. Its
counters already expire when read; this store only sweeps the unused ones, at most once
a second, in the request that comes by. Selected by ``ATSUME_RATELIMIT_STORAGE`` (its
default, ``atsume-memory://``).
"""

from __future__ import annotations

import time

from limits.storage import MemoryStorage

#: how often unused counters are dropped (their memory is all a sweep frees)
SWEEP_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    """``memory://`` with the sweep done inline, at most once per SWEEP_SECONDS."""

    STORAGE_SCHEME = ["atsume-memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the thread the parent starts; none is started again
        self._next_sweep = 0.0

    # the parent calls this (its private name) before every count it changes
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_SECONDS
            self._MemoryStorage__expire_events()
