"""Device backends: the array namespace ops run on, and kernel overrides.

A backend is a small registered object (Chainer's ``Device``, thinc's ``Ops``):
``name``, ``xp`` (the array module), conversions, a random generator, and
optionally kernels that replace generic ones by op name.  Ops are written once
against ``xp``; adding a backend never means editing the core.

``ACTIVE`` holds the backend in use and its kernel table (generic kernels with
the backend's overrides laid over them); ops read ``ACTIVE.kernels[name]``.
"""
import numpy as np

from kcore.errors import BackendError, UnknownNameError
from kcore.plugins import registry
from kcore.plugins.manager import manager


class Backend:
    """Base class of device backends; the NumPy backend is the reference one."""

    name = 'numpy'
    #: human-readable hint shown when the backend cannot be used
    install_hint = ''

    def __init__(self):
        self._xp = None

    # -- what subclasses provide ------------------------------------------
    def check_available(self):
        """Raise ``BackendError`` saying what to install, or that no device exists."""

    def load_xp(self):
        """Import and return the array module (called once, on activation)."""
        return np

    def device_count(self):
        """How many devices of this kind exist (1 for the CPU)."""
        return 1

    def synchronize(self):
        """Wait for queued device work (no-op on the CPU); benchmarks call it."""

    #: whether ``capture_step`` can record work for replay (``compile(jit_compile=True)``)
    can_capture = False

    def capture_step(self, fn):
        """Record the device work of ``fn()`` for replay (a CUDA graph), running it once first.

        Returns a callable that replays the recording, or ``None`` when this backend
        cannot record (the NumPy backend: a CPU has no launch cost to save).
        """
        return None

    # -- derived ----------------------------------------------------------
    @property
    def xp(self):
        if self._xp is None:
            self._xp = self.load_xp()
        return self._xp

    def asarray(self, value, dtype=None):
        return self.xp.asarray(value, dtype=dtype)

    def to_numpy(self, array):
        return np.asarray(array)

    def random_generator(self, seed=None):
        """A generator with ``random``, ``standard_normal``, ``integers``, ``permutation``."""
        return np.random.default_rng(seed)

    def global_random_generator(self):
        """The generator unseeded random ops use; seeded from NumPy's global state, so
        ``np.random.seed(n)`` at the top of a script makes kcore's draws repeatable."""
        return self.random_generator(int(np.random.randint(0, 2 ** 31 - 1)))

    def __repr__(self):
        return '<Backend %s>' % self.name


class NumpyBackend(Backend):
    """The default CPU backend."""

    name = 'numpy'
    #: optimizers update large variables in slices of this many elements, so their
    #: temporaries stay in the CPU cache (about 30% faster); None updates whole arrays
    update_chunk_size = 1 << 16

    def global_random_generator(self):
        """NumPy's global RandomState itself, as Keras 1/2 on Theano used: every
        unseeded draw (initial weights, dropout masks, shuffling) follows
        ``np.random.seed``, interleaved with the script's own NumPy draws."""
        return NUMPY_GLOBAL_RANDOM


class _NumpyGlobalRandom:
    """The Generator methods kcore uses, served by ``numpy.random``'s global state."""

    def random(self, size=None, dtype=np.float64):
        return np.random.random_sample(size).astype(dtype, copy=False)

    def standard_normal(self, size=None, dtype=np.float64):
        return np.random.standard_normal(size).astype(dtype, copy=False)

    def integers(self, low, high=None, size=None, dtype=np.int64):
        return np.random.randint(low, high, size=size, dtype=dtype)

    def permutation(self, x):
        return np.random.permutation(x)


NUMPY_GLOBAL_RANDOM = _NumpyGlobalRandom()


class _Active:
    """The active backend and its resolved kernel table (read on every op)."""

    __slots__ = ('backend', 'xp', 'kernels', '_generation')

    def __init__(self):
        self.backend = NumpyBackend()
        self.xp = np
        self.kernels = _LazyKernels(self)
        self._generation = 0


class _LazyKernels(dict):
    """The kernel table; fills itself from the registries on the first miss."""

    def __init__(self, active):
        super().__init__()
        self._active = active

    def __missing__(self, name):
        resolve_kernels()
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return registry('kernels').get(name)  # raises the clear UnknownNameError


ACTIVE = _Active()
# registering or removing a kernel empties the table; it refills from the registry on the next miss
registry('kernels').subscribe(ACTIVE.kernels.clear)


def resolve_kernels():
    """Rebuild ``ACTIVE.kernels``: generic kernels, then the backend's overrides."""
    reg = registry('kernels')
    suffix = '@' + ACTIVE.backend.name
    table = {}
    overrides = {}
    for entry in reg.entries():
        if '@' not in entry.name:
            table[entry.name] = entry.obj
        elif entry.name.endswith(suffix):
            overrides[entry.name[:-len(suffix)]] = entry.obj
    table.update(overrides)
    ACTIVE.kernels.clear()
    ACTIVE.kernels.update(table)


def set_backend(name):
    """Switch the device backend by its registered name ('numpy', 'cuda', ...).

    An unknown backend, or one whose library or device is missing, raises one
    ``BackendError`` that says why and lists the backends that work here.
    Existing tensors and variables keep their arrays: build models after the
    switch so that their weights live on the new device.
    """
    reg = registry('backends')
    try:
        backend = reg.get(name)
    except UnknownNameError:
        hint = manager.hint('backends', name) if isinstance(name, str) else None
        raise BackendError('Unknown backend %r. %s%s' % (name, _usable(reg), ' ' + hint if hint else '')) from None
    try:
        backend.check_available()
    except BackendError as e:
        raise BackendError('%s %s' % (e, _usable(reg, skip=backend))) from None
    ACTIVE.backend = backend
    ACTIVE.xp = backend.xp
    ACTIVE._generation += 1
    resolve_kernels()
    return backend


def _usable(reg, skip=None):
    """'Available backends: numpy (registered but unusable here: cuda).'"""
    ok, broken = [], []
    for entry in reg.entries():
        if entry.alias_of is not None or entry.obj is skip:
            continue
        try:
            entry.obj.check_available()
            ok.append(entry.name)
        except BackendError:
            broken.append(entry.name)
    text = 'Available backends: %s' % (', '.join(sorted(ok)) or 'none')
    if broken:
        text += ' (registered but unusable here: %s)' % ', '.join(sorted(broken))
    return text + '.'


def backend_name():
    return ACTIVE.backend.name
