"""Reading one pickled CIFAR batch, without running the pickle."""
from kcore.datasets.safe_pickle import UnsafeFileError, loads

#: a bound on the size of one batch file (the real ones are 31 MB, CIFAR-100's train file 155 MB)
MAX_BYTES = 1 << 30


def load_batch(fpath, label_key='labels'):
    """``(data, labels)`` of one CIFAR batch: uint8 data ``(n, 3, 32, 32)`` and the
    labels list under ``label_key``.

    The batch is a pickled dict; kcore parses it with
    :func:`kcore.datasets.safe_pickle.loads` (plain data only) instead of ``pickle``.
    """
    with open(fpath, 'rb') as f:
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise UnsafeFileError('%s: larger than any CIFAR batch (%d bytes). Delete it and download it again.'
                              % (fpath, MAX_BYTES))
    d = loads(raw, where=str(fpath), encoding='bytes')
    if not isinstance(d, dict):
        raise UnsafeFileError('%s: expected a pickled dict (a CIFAR batch). Received: %s.'
                              % (fpath, type(d).__name__))
    d = {k.decode('utf8') if isinstance(k, bytes) else k: v for k, v in d.items()}
    if 'data' not in d or label_key not in d:
        raise KeyError('%s: a CIFAR batch holds "data" and %r. Received keys: %s.'
                       % (fpath, label_key, sorted(map(str, d))))
    data = d['data']
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]
