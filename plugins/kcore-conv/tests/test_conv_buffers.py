"""The output buffer cache (``kcore_conv.buffers``): reuse only what nothing refers to."""
import numpy as np
import pytest

from kcore.training import heap
from kcore_conv import buffers

SHAPE = (512, 1024)  # 2 MiB of float32: above MIN_BYTES


@pytest.fixture(autouse=True)
def freed_memory_returned_to_the_system(monkeypatch):
    """The cache as it works where glibc gives freed memory back (other C libraries, or
    KCORE_KEEP_FREED_MEMORY=0)."""
    monkeypatch.setattr(heap, '_applied', False)


def test_a_buffer_is_reused_only_once_every_view_of_it_is_gone():
    buffers.clear()
    first = buffers.empty(SHAPE, np.float32)
    view = first.reshape(-1)[::3]
    address = first.__array_interface__['data'][0]
    del first
    second = buffers.empty(SHAPE, np.float32)  # the first is still seen through `view`
    assert second.__array_interface__['data'][0] != address
    del view
    third = buffers.empty(SHAPE, np.float32)
    assert third.__array_interface__['data'][0] == address
    assert third.shape == SHAPE and third.dtype == np.float32 and third.flags.c_contiguous
    del second, third
    buffers.clear()


def test_zeros_are_zero_even_in_a_reused_buffer():
    buffers.clear()
    a = buffers.empty(SHAPE, np.float32)
    a[...] = 7
    del a
    assert not buffers.zeros(SHAPE, np.float32).any()
    buffers.clear()


def test_small_arrays_and_clear_leave_live_arrays_alone():
    buffers.clear()
    small = buffers.empty((3, 4), np.float64)
    assert small.base is None and buffers._bases == []
    live = buffers.empty(SHAPE, np.float32)
    live[...] = 1
    buffers.clear()
    assert len(buffers._bases) == 1 and live.sum() == live.size
    del live
    buffers.clear()
    assert buffers._bases == []


def test_the_cache_stays_under_its_byte_budget(monkeypatch):
    buffers.clear()
    monkeypatch.setattr(buffers, 'MAX_BYTES', 5 << 20)
    for _ in range(4):
        buffers.empty(SHAPE, np.float32)  # each dropped at once, so free for trimming
    assert sum(b.nbytes for b in buffers._bases) <= 5 << 20
    buffers.clear()


def test_the_cache_steps_aside_where_the_heap_keeps_freed_memory(monkeypatch):
    buffers.clear()
    monkeypatch.setattr(heap, '_applied', True)
    a = buffers.empty(SHAPE, np.float32)
    assert a.base is None and buffers._bases == [] and a.shape == SHAPE and a.dtype == np.float32
