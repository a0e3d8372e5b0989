"""One index base per server, not per worker: built once, shared read-only through the page
cache.

Every worker of ``matchmaker serve --workers N`` used to read the whole published catalogue and
keep its own copy of the arrays (about 320 MB at 1,000,000 requests, times N). Here the first
worker to need a base builds it and writes its arrays as ``.npy`` files to a directory the
server made for this run; every worker, the builder included, then maps the files read-only
(``numpy.load(mmap_mode="r")``), so the kernel keeps one copy of each page for all of them.

What stays per worker is small: which base rows are superseded, the delta of requests changed
since the base was written (each worker reads the changes itself, as before), and caches.
When a worker's delta grows to the compaction size it asks for a newer base: if a sibling
already wrote one it maps that one and catches up from its watermark; otherwise it writes the
compacted base for the others. A file lock orders the workers, so a base is built once.

The directory lives as long as the server (``service.cli.server`` makes and removes it); a
base is never changed once written (a new one gets the next number), and the older ones are
unlinked when a new one lands, which frees their pages once no worker maps them any more.
"""

from __future__ import annotations

import copy
import datetime as dt
import fcntl
import logging
import os
import pickle
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from scoring import MatchScorer, Segment
from scoring.pruning import GroupIndex, group_index, has_group_index, keep_group_index
from scoring.text_index import TextIndex

logger = logging.getLogger(__name__)

LOCK_FILE = "lock"
_BASE_DIRECTORY = re.compile(r"^base-(\d{8})$")
# Segment fields that are not row arrays: kept in the metadata file.
_SEGMENT_SCALARS = ("stage_slots",)
_SEGMENT_SKIPPED = ("text", "derived")


@dataclass(frozen=True)
class SharedBase:
    """A built base as every worker sees it: the scorer that encoded it (each worker gets its
    own copy, since encoding new requests grows its code books) and the mapped arrays."""

    number: int
    scorer: MatchScorer
    base: Segment
    revisions: npt.NDArray[np.int32]
    watermark: dt.datetime


@dataclass(frozen=True)
class BuiltBase:
    """What a worker built and offers to the others."""

    scorer: MatchScorer
    base: Segment
    revisions: npt.NDArray[np.int32]
    watermark: dt.datetime


class SharedBases:
    """The directory a server's workers share their bases through."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def obtain(self, newer_than: int, build: Callable[[], BuiltBase]) -> SharedBase:
        """The newest base numbered above ``newer_than``, mapped; if there is none, ``build``
        one (holding the lock, so siblings wait for it instead of building their own)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._locked():
            newest = self._newest()
            if newest is not None and newest > newer_than:
                return _read(self.directory / _name(newest), newest)
            number = (newest or 0) + 1
            built = build()
            _write(built, self.directory / _name(number))
            del built
            self._remove_older_than(number)
            logger.info("index base %d written for this server's workers", number)
            return _read(self.directory / _name(number), number)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.directory / LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _numbers(self) -> list[int]:
        found = (_BASE_DIRECTORY.match(entry.name) for entry in self.directory.iterdir())
        return sorted(int(match.group(1)) for match in found if match)

    def _newest(self) -> int | None:
        numbers = self._numbers()
        return numbers[-1] if numbers else None

    def _remove_older_than(self, number: int) -> None:
        # Workers still mapping an older base keep its pages until they move on (an unlinked
        # file lives while it is mapped).
        for older in self._numbers():
            if older < number:
                shutil.rmtree(self.directory / _name(older), ignore_errors=True)


def _name(number: int) -> str:
    return f"base-{number:08d}"


def _write(built: BuiltBase, target: Path) -> None:
    """Write to a scratch directory and rename it into place: a reader never sees half."""
    scratch = target.with_name(target.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    base = built.base
    for field in fields(base):
        if field.name in _SEGMENT_SCALARS or field.name in _SEGMENT_SKIPPED:
            continue
        np.save(scratch / f"segment.{field.name}.npy", getattr(base, field.name))
    text = base.inverted_text
    text_parts = text.arrays()
    for part, array in text_parts.items():
        np.save(scratch / f"text.{part}.npy", array)
    np.save(scratch / "revisions.npy", built.revisions)
    groups = has_group_index(base)
    if groups:
        index = group_index(base)
        for field in fields(index):
            np.save(scratch / f"groups.{field.name}.npy", getattr(index, field.name))
    # The scorer without its catalogue: the catalogue is the base itself, mapped on reading.
    scorer = copy.copy(built.scorer)
    del scorer.catalogue_
    metadata: dict[str, Any] = {
        "scorer": scorer,
        "text_parts": sorted(text_parts),
        "scalars": {name: getattr(base, name) for name in _SEGMENT_SCALARS},
        "watermark": built.watermark,
        "groups": groups,
    }
    with (scratch / "metadata.pickle").open("wb") as handle:
        pickle.dump(metadata, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(scratch, target)


def _read(source: Path, number: int) -> SharedBase:
    # Written by this server's own workers into a directory only it uses: trusted input.
    with (source / "metadata.pickle").open("rb") as handle:
        metadata = pickle.load(handle)  # noqa: S301

    def mapped(name: str) -> Any:
        # A plain ndarray over the mapping: numpy.memmap's Python-level indexing costs about
        # a millisecond per ranking at 1,000,000 rows, and its results need not be memmaps.
        array = np.load(source / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        return array.view(np.ndarray)

    text = TextIndex.of_arrays({part: mapped(f"text.{part}") for part in metadata["text_parts"]})
    arrays = {
        field.name: mapped(f"segment.{field.name}")
        for field in fields(Segment)
        if field.name not in _SEGMENT_SCALARS and field.name not in _SEGMENT_SKIPPED
    }
    base = Segment(text=text, **arrays, **metadata["scalars"])
    if metadata["groups"]:
        keep_group_index(
            base, GroupIndex(**{f.name: mapped(f"groups.{f.name}") for f in fields(GroupIndex)})
        )
    scorer: MatchScorer = metadata["scorer"]
    scorer.catalogue_ = base
    return SharedBase(
        number=number,
        scorer=scorer,
        base=base,
        revisions=mapped("revisions"),
        watermark=metadata["watermark"],
    )
