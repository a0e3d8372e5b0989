"""How a service process's heap is kept (``service.core.memory``): one glibc arena for every
thread, and freed blocks kept for reuse instead of faulted in again."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

from service.core.memory import keep_freed_heap_for_reuse, share_one_heap_arena

glibc = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="mallopt and malloc_stats are glibc's"
)

# Eight threads each allocate and keep small blocks, then glibc's own statistics print one
# "Arena N:" line per heap arena (to stderr).
COUNT_ARENAS = textwrap.dedent(
    """
    import ctypes, ctypes.util, threading
    {first_import}
    import numpy  # starts the BLAS threads, as the service's modules do
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    kept = []
    started = threading.Barrier(8)

    def allocate():
        started.wait()  # all alive at once, so none can reuse another's arena
        kept.extend(libc.malloc(4096) for _ in range(100))

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc.malloc_stats()
    """
)


def run_python(source: str, env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    """``source`` in a fresh interpreter, without this process's heap settings (``MALLOC_*``,
    ``GLIBC_TUNABLES``), with ``env`` added."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"
    }
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
        timeout=120,
    )


def arenas(first_import: str, env: dict[str, str] | None = None) -> int:
    finished = run_python(COUNT_ARENAS.format(first_import=first_import), env)
    return sum(line.startswith("Arena ") for line in finished.stderr.splitlines())


@glibc
def test_every_thread_of_a_service_process_allocates_from_one_arena() -> None:
    assert arenas("import service") == 1


@glibc
def test_without_it_threads_take_arenas_of_their_own() -> None:
    """The control: the same threads in a process that never imported the service."""
    assert arenas("") > 1


@glibc
def test_an_operators_malloc_arena_max_is_left_as_set() -> None:
    assert arenas("import service", {"MALLOC_ARENA_MAX": "4"}) > 1


@glibc
def test_an_operators_glibc_tunable_is_left_as_set() -> None:
    assert arenas("import service", {"GLIBC_TUNABLES": "glibc.malloc.arena_max=4"}) > 1


@pytest.mark.parametrize(
    "variable", [("MALLOC_ARENA_MAX", "4"), ("GLIBC_TUNABLES", "glibc.malloc.arena_max=4")]
)
def test_it_is_not_set_over_an_operators_choice(
    variable: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*variable)
    assert share_one_heap_arena() is False


# A ranking that scores every row at 1,000,000 requests: several 8 MB arrays at once, freed
# together; the page faults of the rounds after the first are printed.
COUNT_FAULTS = textwrap.dedent(
    """
    import resource
    {first_import}
    import numpy

    def round_of_arrays():
        kept = [numpy.ones(1_000_000) for _ in range(5)]
        del kept

    round_of_arrays()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        round_of_arrays()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    """
)
PAGES_OF_TEN_ROUNDS = 10 * 5 * 8_000_000 // 4096


def faults(first_import: str, env: dict[str, str] | None = None) -> int:
    return int(run_python(COUNT_FAULTS.format(first_import=first_import), env).stdout.strip())


@glibc
def test_a_service_process_reuses_freed_arrays_without_faulting_them_in_again() -> None:
    assert faults("import service") < PAGES_OF_TEN_ROUNDS // 20


@glibc
def test_without_it_freed_arrays_are_given_back_and_faulted_in_again() -> None:
    """The control: glibc's own thresholds, in a process that never imported the service."""
    assert faults("") > PAGES_OF_TEN_ROUNDS // 10


@glibc
def test_an_operators_trim_threshold_is_left_as_set() -> None:
    assert faults("import service", {"MALLOC_TRIM_THRESHOLD_": "131072"}) > (
        PAGES_OF_TEN_ROUNDS // 10
    )


@pytest.mark.parametrize(
    "variable",
    [
        ("MALLOC_MMAP_THRESHOLD_", "131072"),
        ("MALLOC_TRIM_THRESHOLD_", "131072"),
        ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=131072"),
    ],
)
def test_heap_thresholds_are_not_set_over_an_operators_choice(
    variable: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(*variable)
    assert keep_freed_heap_for_reuse() is False
