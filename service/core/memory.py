"""Give freed heap memory back to the operating system after large, short-lived work."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

logger = logging.getLogger("matchmaker.memory")


def release_free_memory() -> None:
    """glibc keeps freed blocks for reuse; building the index frees hundreds of MB at once.

    Without this a worker's resident size stays at the build's peak. A no-op where glibc's
    ``malloc_trim`` is not available.
    """
    library = ctypes.util.find_library("c")
    if library is None:
        return
    try:
        libc = ctypes.CDLL(library)
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        logger.debug("malloc_trim is not available")


M_ARENA_MAX = -8
"""glibc's ``mallopt`` parameter for the most heap arenas (``malloc.h``)."""


def share_one_heap_arena() -> bool:
    """Let the threads this process starts from now on allocate from one glibc heap arena.

    glibc gives threads arenas of their own (up to eight per core), and each keeps the peak
    of what its threads freed: a ranking's arrays at 1,000,000 requests are tens of MB, and
    the request threads' arenas held ~110 MB more per worker than one shared arena
    (``bench.worker_memory``, one worker: 826 against 715 MB PSS, the same throughput). The
    arrays themselves are allocated whole, so one arena's lock is not contended in practice;
    Python's small objects have allocators of their own.

    Arenas made before the call stay, and later threads share them round-robin: so
    ``service/__init__.py`` calls it before any module of the service imports NumPy, whose
    BLAS starts its threads on import. Left alone where the operator chose (``MALLOC_ARENA_MAX``,
    or ``arena_max`` in ``GLIBC_TUNABLES``) or where the C library is not glibc; True when set.
    """
    if "MALLOC_ARENA_MAX" in os.environ or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    if not _is_glibc():
        return False
    try:
        # The running process's own symbols: glibc's, without looking the library up.
        return bool(ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1))
    except (OSError, AttributeError):
        logger.debug("mallopt is not available")
        return False


M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""glibc's ``mallopt`` parameters for the free heap kept at its top and the size from which a
block is mapped on its own (``malloc.h``)."""

HEAP_MMAP_THRESHOLD = 32 << 20
HEAP_TRIM_THRESHOLD = 64 << 20
"""The ceilings glibc's own rule raises the two to as it sees large blocks freed (on 64-bit:
32 MiB, and twice that), set from the start and kept."""

_OPERATOR_HEAP_VARIABLES = (
    "MALLOC_MMAP_THRESHOLD_",
    "MALLOC_TRIM_THRESHOLD_",
    "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_",
)
_OPERATOR_HEAP_TUNABLES = ("mmap_threshold", "trim_threshold", "top_pad", "mmap_max")


def keep_freed_heap_for_reuse() -> bool:
    """Keep up to 64 MiB of freed heap for the next request's arrays instead of giving it
    back to the operating system and faulting it in again page by page.

    glibc maps a large block on its own, and trims the heap's free top, from thresholds it
    raises only as it sees large blocks freed (to the size of the last one; the trim to twice
    that). A process that never frees a large block first, as a worker mapping a shared base
    at start-up, keeps them low, and each ranking's arrays at 1,000,000 requests were mapped
    and faulted in afresh: a server of 2 such workers under 16 connections took 342 and 107
    page faults per request before, 1 and 0 after (its throughput the same within noise);
    one process that loaded an index without building it, alternating the pruned ranking,
    the ranking scoring every row and the numpy kernel, 6,483 faults per round against 33
    (7.89, 32.96, 27.65 ms against 5.35, 23.70, 20.95). Where an index build had raised them
    (``bench.run``'s own process), nothing changed. The cost is the free heap kept: at most
    ``HEAP_TRIM_THRESHOLD`` per process (one heap arena: ``share_one_heap_arena``);
    ``release_free_memory`` still gives everything back after the index is built.

    Left alone where the operator chose (``MALLOC_MMAP_THRESHOLD_`` and its siblings, or
    the same names in ``GLIBC_TUNABLES``) or where the C library is not glibc; True when set.
    """
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if any(name in os.environ for name in _OPERATOR_HEAP_VARIABLES) or any(
        name in tunables for name in _OPERATOR_HEAP_TUNABLES
    ):
        return False
    if not _is_glibc():
        return False
    try:
        libc = ctypes.CDLL(None)
        mapped = bool(libc.mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD))
        return bool(libc.mallopt(M_TRIM_THRESHOLD, HEAP_TRIM_THRESHOLD)) and mapped
    except (OSError, AttributeError):
        logger.debug("mallopt is not available")
        return False


def _is_glibc() -> bool:
    try:
        return (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc")
    except (ValueError, OSError, AttributeError):  # not a name this platform knows
        return False
