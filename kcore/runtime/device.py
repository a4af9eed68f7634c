"""Device backends: the array namespace ops run on, and kernel overrides.

A backend is a small registered object (Chainer's ``Device``, thinc's ``Ops``):
``name``, ``xp`` (the array module), conversions, a random generator, and
optionally kernels that replace generic ones by op name.  Ops are written once
against ``xp``; adding a backend never means editing the core.

``ACTIVE`` holds the backend in use and its kernel table (generic kernels with
the backend's overrides laid over them); ops read ``ACTIVE.kernels[name]``.
The active backend is a context variable, not a process global: ``set_backend``
(and ``KCORE_DEVICE``/``KCORE_BACKEND``) set the process default, and a
``with device('cuda:1'):`` block switches the thread or task that enters it.
A backend instance knows its device index (``Backend.for_device``).
"""
import contextvars
import copy
import itertools
import os
from typing import Any

import numpy as np

from kcore.errors import BackendError, DeviceMemoryError, DeviceMismatchError, UnknownNameError
from kcore.plugins import registry
from kcore.plugins.manager import manager


class Backend:
    """Base class of device backends; the NumPy backend is the reference one."""

    name = 'numpy'
    #: human-readable hint shown when the backend cannot be used
    install_hint = ''
    #: which of the backend's devices this instance computes on (see ``for_device``)
    device_index = 0
    #: 'cpu' or 'gpu': the ``gpu`` pytest marker goes on runs of 'gpu' backends
    device_type = 'cpu'

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

    def activate(self):
        """Make this instance's device current for the calling thread (CuPy:
        ``cupy.cuda.Device(i).use()``).  Called by ``set_backend`` and on entering and
        leaving a ``device(...)`` block; a no-op on the CPU."""

    def device_of(self, array):
        """The device an array lives on ('cpu', 'cuda:1'), or None for an array of a kind this
        backend does not know; error messages use it.  The base class claims its ``xp``'s
        arrays for its own device; a backend whose arrays carry their device (CuPy's
        ``array.device.id``), or that also sees host arrays, says so here."""
        ndarray = getattr(self.xp, 'ndarray', None)
        return self.device_name if isinstance(ndarray, type) and isinstance(array, ndarray) else None

    def memory_info(self):
        """The device memory pool, for ``kcore info``: a dict with any of ``used`` and ``pooled``
        (bytes the pool hands out and holds), ``free`` and ``total`` (bytes on the device);
        None when the backend has no pool (NumPy allocates from the system)."""
        return None

    def memory_error(self, error, requested=None):
        """The ``DeviceMemoryError`` to raise for ``error`` when it is this backend's
        out-of-memory error, else None.  ``requested`` is the byte count when the caller
        knows it.  The base class translates ``MemoryError`` (NumPy's carries the shape and
        dtype it failed on), with the free host memory; a GPU backend adds its own."""
        if not isinstance(error, MemoryError) or isinstance(error, DeviceMemoryError):
            return None
        if requested is None:
            shape, dtype = getattr(error, 'shape', None), getattr(error, 'dtype', None)
            if shape is not None and dtype is not None:
                requested = int(np.prod(shape, dtype=np.float64)) * np.dtype(dtype).itemsize
        return DeviceMemoryError.build(self.device_name, requested, _host_available_bytes())

    # -- devices ----------------------------------------------------------
    @property
    def device_name(self):
        """'cuda:1' for device 1 of the cuda backend; the NumPy backend's is 'cpu'."""
        return '%s:%d' % (self.name, self.device_index)

    def for_device(self, index):
        """This backend on device ``index`` (the same instance for the same index).

        Raises:
            BackendError: ``index`` is not one of the backend's devices.
        """
        index = int(index)
        if index == self.device_index:
            return self
        family = self.__dict__.setdefault('_family', {self.device_index: self})
        if index not in family:
            count = self.device_count()
            if not 0 <= index < count:
                raise BackendError('Device %s:%d does not exist: the %s backend has %d device%s here (%s). '
                                   'Choose an index below %d, e.g. %s:0.'
                                   % (self.name, index, self.name, count, '' if count == 1 else 's',
                                      ', '.join('%s:%d' % (self.name, i) for i in range(count)) or 'none',
                                      max(count, 1), self.name))
            twin = copy.copy(self)
            twin.device_index = index
            family[index] = twin
        return family[index]

    # -- derived ----------------------------------------------------------
    @property
    def xp(self):
        """The array module of this backend (``numpy``, or ``cupy`` on a GPU), imported on first use."""
        if self._xp is None:
            self._xp = self.load_xp()
        return self._xp

    def asarray(self, value, dtype=None):
        """``value`` as an array of this backend (on its device).

        Args:
            value: A number, list or array of any backend NumPy can read.
            dtype: The dtype, or None to keep ``value``'s.

        Returns:
            An array of ``xp``.
        """
        return self.xp.asarray(value, dtype=dtype)

    def to_numpy(self, array):
        """``array`` copied to the host as a NumPy array (no copy when it already is one).

        Args:
            array: An array of this backend.

        Returns:
            A ``numpy.ndarray``.
        """
        return np.asarray(array)

    # -- moving training data (the data adapter calls these once per batch) --
    def pin(self, host_array: np.ndarray) -> np.ndarray:
        """Prepare a host (NumPy) array for a fast copy to the device, e.g. page-locked memory.

        The data adapter calls it on each batch before ``to_device``. Identity on the CPU.

        Args:
            host_array: a NumPy array of one batch (inputs, targets or sample weights).

        Returns:
            The array to hand to ``to_device`` (the same one, or a pinned copy).
        """
        return host_array

    def to_device(self, host_array: np.ndarray) -> Any:
        """Copy one batch's host array to the device, once; the training step then uses the result.

        A backend may start the copy asynchronously (the adapter converts batch i+1 before
        step i runs, so the copy overlaps the step). Defaults to ``asarray``.

        Args:
            host_array: a NumPy array, as returned by ``pin``.

        Returns:
            An array of this backend holding the same values.
        """
        return self.asarray(host_array)

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
    device_name = 'cpu'
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


class DeviceState:
    """One backend on one device, with its kernel table: what ops read through ``ACTIVE``."""

    __slots__ = ('backend', 'xp', 'kernels', '_generation')

    def __init__(self, backend):
        self.backend = backend
        self.xp = backend.xp
        self.kernels = _kernel_table(backend.name)
        self._generation = next(_GENERATIONS)


class _LazyKernels(dict):
    """One backend's kernel table; fills itself from the registries on the first miss."""

    def __init__(self, backend_name):
        super().__init__()
        self.backend_name = backend_name

    def __missing__(self, name):
        _fill(self)
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return registry('kernels').get(name)  # raises the clear UnknownNameError


_TABLES = {}  # backend name -> its _LazyKernels, shared by the backend's devices
_GENERATIONS = itertools.count(1)


_STATES = {}  # backend instance -> its DeviceState: re-entering a device keeps its random stream


def state_for(backend):
    """The ``DeviceState`` of a backend instance (one per instance, made on first use)."""
    state = _STATES.get(backend)
    if state is None:
        state = _STATES[backend] = DeviceState(backend)
    return state


def _kernel_table(backend_name):
    table = _TABLES.get(backend_name)
    if table is None:
        table = _TABLES[backend_name] = _LazyKernels(backend_name)
    return table


def _clear_tables():
    """Registering or removing a kernel empties every table; each refills on its next miss."""
    for table in _TABLES.values():
        table.clear()


#: the process default (``set_backend``), shared by threads that never entered a ``device`` block
_DEFAULT = DeviceState(NumpyBackend())
_CURRENT = contextvars.ContextVar('kcore_device', default=_DEFAULT)
current_state = _CURRENT.get


class _Active:
    """The active backend, its array module and kernel table: what ops read on every call.

    Until a ``device(...)`` block is first entered, ``ACTIVE`` holds the process default
    in plain slots (a read costs what an attribute read costs).  Entering one switches
    ``ACTIVE`` for good to ``_ContextualActive``, whose reads consult the context
    variable (one look-up each); a function that needs several reads ``current_state()``
    once.
    """

    __slots__ = ('backend', 'xp', 'kernels', '_generation')

    def __repr__(self):
        return '<active %s>' % active_device()


class _ContextualActive(_Active):
    """``ACTIVE`` once device blocks are in use: every read follows the context."""

    __slots__ = ()
    backend = property(lambda self: _CURRENT.get().backend)
    xp = property(lambda self: _CURRENT.get().xp)
    kernels = property(lambda self: _CURRENT.get().kernels)
    _generation = property(lambda self: _CURRENT.get()._generation)


ACTIVE = _Active()
registry('kernels').subscribe(_clear_tables)


def _adopt(target, state):
    target.backend, target.xp, target.kernels = state.backend, state.xp, state.kernels
    target._generation = state._generation
    if target is _DEFAULT:  # the plain ACTIVE mirrors the process default
        _Active.backend.__set__(ACTIVE, state.backend)
        _Active.xp.__set__(ACTIVE, state.xp)
        _Active.kernels.__set__(ACTIVE, state.kernels)
        _Active._generation.__set__(ACTIVE, state._generation)


_adopt(_DEFAULT, _DEFAULT)


def resolve_kernels():
    """Rebuild ``ACTIVE.kernels``: generic kernels, then the backend's overrides.

    A generic kernel goes into the table as it is (no cost per call).  An override
    goes in wrapped by ``with_fallback``: when its ``supports=`` predicate says no, or
    when it returns ``NotImplemented``, the generic kernel runs instead.
    """
    _fill(ACTIVE.kernels)


def _fill(kernels):
    """Fill one backend's table (see ``resolve_kernels``)."""
    backend = kernels.backend_name
    reg = registry('kernels')
    suffix = '@' + backend
    table = {}
    overrides = {}
    for entry in reg.entries():
        if '@' not in entry.name:
            table[entry.name] = entry.obj
        elif entry.name.endswith(suffix):
            overrides[entry.name[:-len(suffix)]] = entry
    for op, entry in overrides.items():
        table[op] = with_fallback(op, entry.obj, table.get(op), entry.meta.get('supports'), backend)
    kernels.clear()
    kernels.update(table)


def with_fallback(op, override, generic, supports=None, backend='?'):
    """The kernel that runs ``override`` and falls back to ``generic`` when it declines.

    An override declines inputs it does not handle in one of two ways (thinc's
    ``CupyOps`` calling ``super()`` is the model): ``supports(*args, **params)``
    returns False, so ``generic`` runs without calling the override; or the
    override itself returns ``NotImplemented``.  The returned function keeps
    ``override``, ``generic`` and ``supports`` as attributes, for tests.

    Args:
        op: the kernel's name, for the error when there is nothing to fall back to.
        override: the backend's kernel.
        generic: the generic kernel, or None when only the backend provides ``op``.
        supports: optional predicate over the kernel's arguments.
        backend: the backend's name, for messages.

    Returns:
        A kernel with the override's signature.
    """
    def declined():
        raise NotImplementedError(
            'Kernel %r of backend %r declined these inputs and there is no generic %r kernel to fall back '
            'to. Register a generic kernel (register(fn, name=%r)) or make the override handle them.'
            % (op, backend, op, op))

    if supports is None:
        def kernel(*args, **params):
            out = override(*args, **params)
            if out is NotImplemented:
                return generic(*args, **params) if generic is not None else declined()
            return out
    else:
        def kernel(*args, **params):
            if supports(*args, **params):
                out = override(*args, **params)
                if out is not NotImplemented:
                    return out
            return generic(*args, **params) if generic is not None else declined()
    kernel.override, kernel.generic, kernel.supports = override, generic, supports
    kernel.__name__ = kernel.__qualname__ = getattr(override, '__name__', op)
    kernel.__doc__ = getattr(override, '__doc__', None)
    kernel.__wrapped__ = override
    return kernel


def set_backend(name):
    """Switch the device backend by its registered name ('numpy', 'cuda', ...) or a device
    ('cuda:1', 'cpu').

    It sets the process default, which every thread without a ``device(...)`` block
    uses; inside such a block it switches that block only.  An unknown backend, or
    one whose library or device is missing, raises one ``BackendError`` that says why
    and lists the backends that work here.  Existing tensors and variables keep their
    arrays: build models after the switch so that their weights live on the new device.
    """
    backend = find_backend(name)
    state = state_for(backend)
    backend.activate()
    if _CURRENT.get() is _DEFAULT:
        _adopt(_DEFAULT, state)
    else:
        _CURRENT.set(state)
    return backend


def save_state():
    """The process default and this context's device, for ``restore_state`` (test isolation)."""
    default = object.__new__(DeviceState)
    _adopt(default, _DEFAULT)
    return default, _CURRENT.get()


def restore_state(saved):
    """Put back what ``save_state`` returned."""
    default, current = saved
    _adopt(_DEFAULT, default)
    if _CURRENT.get() is not current:
        _CURRENT.set(current)
    current.backend.activate()


def find_backend(spec):
    """The usable backend instance for a device spec: 'numpy', 'cpu', 'cuda', 'cuda:1'.

    Raises:
        BackendError: unknown backend, missing library or device, or a device index
            out of range; the message lists the backends that work here.
    """
    name, index = _parse_device(spec)
    reg = registry('backends')
    try:
        backend = reg.get(name)
    except UnknownNameError:
        hint = manager.hint('backends', name) if isinstance(name, str) else None
        raise BackendError('Unknown backend %r. %s%s' % (name, _usable(reg), ' ' + hint if hint else '')) from None
    try:
        backend.check_available()
        return backend if index is None else backend.for_device(index)
    except BackendError as e:
        raise BackendError('%s %s' % (e, _usable(reg, skip=backend))) from None


def _parse_device(spec):
    """'cuda:1' -> ('cuda', 1); 'cuda' -> ('cuda', None); 'cpu' -> ('numpy', None)."""
    if not isinstance(spec, str):
        return spec, None
    name, sep, index = spec.strip().partition(':')
    name = 'numpy' if name.lower() == 'cpu' else name
    if not sep:
        return name, None
    if not index.isdigit():
        raise BackendError('Bad device %r: expected a backend name with an optional device index, such as '
                           "'cuda', 'cuda:1' or 'cpu'." % (spec,))
    return name, int(index)


class device:
    """``with kcore.device('cuda:1'):`` runs the block on that backend and device.

    The choice is a context variable: it holds for the thread (or asyncio task)
    that entered the block, until the block ends, and nests.  Threads started
    inside do not inherit it (run them in ``contextvars.copy_context()``).
    ``'cpu'`` and ``'numpy'`` name the NumPy backend.  Build the model and its
    data inside the block, so that their arrays live on that device.

    Args:
        spec: 'cuda', 'cuda:1', 'cpu', 'numpy', or any registered backend's name.

    Raises:
        BackendError: the backend or device is unknown or unusable here.
    """

    def __init__(self, spec):
        self.backend = find_backend(spec)
        self._tokens = []

    def __enter__(self):
        ACTIVE.__class__ = _ContextualActive  # from now on, ACTIVE follows the context
        state = state_for(self.backend)
        self.backend.activate()
        self._tokens.append(_CURRENT.set(state))
        return self.backend

    def __exit__(self, *exc):
        _CURRENT.reset(self._tokens.pop())
        _CURRENT.get().backend.activate()
        return False


def active_device():
    """The device ops run on now: 'cpu', 'cuda:0', ..."""
    return _CURRENT.get().backend.device_name


def _usable(reg, skip=None):
    """The sentence listing usable backends, e.g. 'Available backends: numpy (registered but unusable here: cuda).'."""
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
    """The name of the active array backend, e.g. ``'numpy'`` or ``'cuda'``.

    Returns:
        A string (``K.backend()`` returns the same).
    """
    return _CURRENT.get().backend.name


def device_of(array):
    """The device an array lives on ('cpu', 'cuda:1'), asking the active backend first, then
    every other backend already in use; ``type(array).__module__`` when none knows it."""
    active = _CURRENT.get().backend
    where = active.device_of(array)
    if where is not None:
        return where
    for entry in registry('backends').entries():
        b = entry.obj
        for twin in getattr(b, '__dict__', {}).get('_family', {b.device_index: b}).values():
            if twin is not active and twin._xp is not None:
                where = twin.device_of(array)
                if where is not None:
                    return where
    return type(array).__module__.split('.')[0]


def kernel_error(error, op, arrays):
    """The clearer error to raise for ``error``, raised by kernel ``op`` on ``arrays``, or None.

    Arrays from two devices become a ``DeviceMismatchError`` (the op, both devices
    and how to move them); the backend's out-of-memory error a ``DeviceMemoryError``
    (how much was asked, what is free).  Only called once a kernel has failed.
    """
    state = _CURRENT.get()
    memory = state.backend.memory_error(error)
    if memory is not None:
        memory.op = op
        return memory
    here = state.backend.device_name
    found = []
    for a in arrays:
        if is_array(a):
            where = device_of(a)
            if where not in found:
                found.append(where)
    if not found or found == [here]:
        return None
    return DeviceMismatchError.build(op, found, here)


def raise_clearer(error, op, arrays):
    """Raise the clearer error for ``error`` from kernel ``op`` on ``arrays`` (see ``kernel_error``),
    if there is one; return otherwise, so that the caller re-raises ``error`` itself."""
    clearer = kernel_error(error, op, arrays)
    if clearer is not None:
        raise clearer from error


def raise_clearer_gradient(error, vjp, grads):
    """``raise_clearer`` for a failed gradient rule ``vjp``: the kernel's name comes from the rule's
    own name, the arrays from the incoming gradients and the ones the rule holds (its closure)."""
    op = getattr(vjp, '__qualname__', 'gradient').split('.<locals>')[0] + ' (gradient)'
    held = []
    for cell in getattr(vjp, '__closure__', None) or ():
        try:
            held.append(cell.cell_contents)
        except ValueError:  # an empty cell
            pass
    raise_clearer(error, op, [g for g in grads if g is not None] + held)


def is_array(value):
    """Whether ``value`` is an array of some device library (not a scalar, a module or a type)."""
    return (isinstance(getattr(value, 'shape', None), tuple) and hasattr(value, 'dtype')
            and not isinstance(value, (type, np.generic)))


def _host_available_bytes():
    """Free host memory (Linux's MemAvailable), or None where it cannot be read."""
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf('SC_AVPHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')
    except (ValueError, OSError, AttributeError):
        return None
