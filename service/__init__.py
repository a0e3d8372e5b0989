"""The matchmaking service: FastAPI app, its resources and its command line."""

from service.core.memory import keep_freed_heap_for_reuse, share_one_heap_arena

# Before NumPy's threads start (OpenBLAS starts them on import): arenas made before the
# call stay, and later threads would share them round-robin. See the docstring.
share_one_heap_arena()
keep_freed_heap_for_reuse()
