"""The matchmaking service: FastAPI app, its resources and its command line."""

from service.core.memory import share_one_heap_arena

# Before NumPy's threads start (OpenBLAS starts them on import): glibc fixes how many heap
# arenas a process may have when its second thread first allocates. See the docstring.
share_one_heap_arena()
