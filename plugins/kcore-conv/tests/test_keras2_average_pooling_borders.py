"""Issue 19: ``AveragePooling*D(padding='same')`` averages over the valid cells of each
window only (Keras 2.3/TensorFlow: padding cells are not counted), for every rank,
both data formats, and windows that TensorFlow pads before as well as after."""
import itertools

import numpy as np
import pytest

import kcore


def _reference(x, k, s):
    """Channels-last 'same' average pooling, window by window, over the valid cells."""
    spatial = x.shape[1:-1]
    outs = [-(-n // s) for n in spatial]
    before = [max((o - 1) * s + k - n, 0) // 2 for o, n in zip(outs, spatial)]
    out = np.zeros((x.shape[0],) + tuple(outs) + (x.shape[-1],))
    for idx in itertools.product(*[range(o) for o in outs]):
        window = tuple(slice(max(i * s - b, 0), min(i * s - b + k, n)) for i, b, n in zip(idx, before, spatial))
        out[(slice(None),) + idx] = x[(slice(None),) + window].mean(axis=tuple(range(1, len(spatial) + 1)))
    return out


@pytest.mark.parametrize('rank, size, k, s', [(1, 5, 3, 1), (1, 6, 4, 3), (2, 4, 3, 1), (2, 5, 3, 2),
                                              (2, 6, 4, 3), (3, 4, 3, 1), (3, 5, 2, 2)])
@pytest.mark.parametrize('data_format', ['channels_last', 'channels_first'])
def test_same_padding_averages_valid_cells_only(rank, size, k, s, data_format):
    x = np.random.default_rng(rank * 10 + k).random((2,) + (size,) * rank + (3,)).astype('float32')
    cls = getattr(kcore.layers, 'AveragePooling%dD' % rank)
    kwargs = {} if rank == 1 and data_format == 'channels_last' else {'data_format': data_format}
    inputs = x if data_format == 'channels_last' else np.moveaxis(x, -1, 1).copy()
    out = np.asarray(cls(k, strides=s, padding='same', **kwargs)(inputs))
    if data_format == 'channels_first':
        out = np.moveaxis(out, 1, -1)
    np.testing.assert_allclose(out, _reference(x, k, s), rtol=1e-5, atol=1e-6)
