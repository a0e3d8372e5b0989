"""The stored text features of many requests, hashed beside the writes on large imports.

Hashing title and summary into character n-gram counts is the largest single cost of a
large import, and it needs nothing from the database. On large imports a helper process
hashes the later chunks while this one builds and writes the earlier ones, so the second
core does that work instead of the import waiting for it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from itertools import chain

from scoring.text import stored_text_counts_many

# Below this many rows, starting a helper process (about 1.6 s of CPU to load scikit-learn,
# measured) costs about as much as the hashing it would take over.
HELPER_PROCESS_MIN_ROWS = 50_000


@contextmanager
def features_by_chunk(texts_by_chunk: Sequence[Sequence[str]]) -> Iterator[Iterator[list[bytes]]]:
    """``stored_text_counts_many`` of each chunk's texts, in order, as they are needed."""
    if sum(len(texts) for texts in texts_by_chunk) < HELPER_PROCESS_MIN_ROWS:
        yield (stored_text_counts_many(texts) for texts in texts_by_chunk)
        return
    # "spawn": the helper starts clean instead of copying a process that holds database
    # connections and (with progress bars) threads. Like every spawned process it imports
    # the main module under a name other than "__main__": ``matchmaker`` and
    # ``python -m service.cli.main`` only run the command under ``if __name__ == "__main__"``.
    helper = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        later = helper.map(stored_text_counts_many, texts_by_chunk[1:])
        # The first chunk is hashed here while the helper starts.
        yield chain([stored_text_counts_many(texts_by_chunk[0])], later)
    finally:
        helper.shutdown(wait=True, cancel_futures=True)
