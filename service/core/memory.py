"""Give freed heap memory back to the operating system after large, short-lived work."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

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
