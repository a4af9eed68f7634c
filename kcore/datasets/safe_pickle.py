"""Reading the pickles inside Keras's dataset files without running them.

Keras's imdb.npz and reuters.npz hold object arrays (lists of word indices) and
the CIFAR batches are pickled dicts of NumPy arrays. Keras reads them with
``pickle``/``allow_pickle=True``, so a swapped cache file runs code. kcore reads
the opcode stream with ``pickletools.genops`` (which only parses) and builds
the values itself. It accepts exactly what those formats contain: ints,
floats, bools, None, str and bytes, lists, tuples and dicts of them, and NumPy
arrays and scalars of plain (non-structured) dtypes. Any other class or opcode
is refused with :class:`UnsafeFileError`; nothing in the file is ever called.
"""
import io
import pickletools
import zipfile

import numpy as np

from kcore.errors import KcoreError

#: the NumPy callables a NumPy pickle names; kcore recognises them, never imports them
_RECONSTRUCT = {('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct')}
_FROMBUFFER = {('numpy.core.numeric', '_frombuffer'), ('numpy._core.numeric', '_frombuffer')}
_SCALAR = {('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar')}
_NDARRAY = {('numpy', 'ndarray')}
_DTYPE = {('numpy', 'dtype')}
#: how Python 3 writes bytes at protocol 2: ``_codecs.encode(text, 'latin1')``
_ENCODE = {('_codecs', 'encode')}
#: dtype kinds an array may have: bool, ints, floats, complex, bytes/str, objects (checked one by one)
_KINDS = set('biufcSUO')


class UnsafeFileError(KcoreError, ValueError):
    """A dataset file holding something other than plain data."""


class _Global:
    def __init__(self, module, name):
        self.key = (module, name)


class _PendingArray:
    """``_reconstruct(ndarray, ...)`` until its BUILD state arrives."""


class _PendingDtype:
    def __init__(self, spec):
        self.spec = spec


class _Mark:
    pass


_MARK = _Mark()


def _refuse(where, what):
    raise UnsafeFileError('%s: refusing to read %s. kcore reads only plain data (lists of ints, strings, NumPy '
                          'arrays) from dataset files and never runs code from them; the file may have been '
                          'replaced. Delete it and download it again.' % (where, what))


def _dtype(where, spec, state=None):
    if isinstance(spec, bytes):  # Python 2 pickles read with encoding='bytes'
        spec = spec.decode('latin1')
    if state is not None and isinstance(state, tuple) and len(state) > 1 and isinstance(state[1], bytes):
        state = (state[0], state[1].decode('latin1')) + state[2:]
    if not isinstance(spec, str):
        _refuse(where, 'a dtype described by %r' % type(spec).__name__)
    if state is not None:
        if not (isinstance(state, tuple) and len(state) >= 5 and all(s is None for s in state[2:5])):
            _refuse(where, 'a structured or sub-array dtype')
        if state[1] in ('<', '>') and spec[0] not in '<>|=':
            spec = state[1] + spec
    try:
        dt = np.dtype(spec)
    except TypeError:
        _refuse(where, 'the dtype %r' % spec)
    if dt.kind not in _KINDS or dt.fields is not None or dt.subdtype is not None:
        _refuse(where, 'the dtype %r' % spec)
    return dt


def _array(where, state):
    if not (isinstance(state, tuple) and len(state) == 5):
        _refuse(where, 'an array with a state of another form')
    _, shape, dt, fortran, data = state
    if not isinstance(dt, np.dtype):
        _refuse(where, 'an array without a dtype')
    if not (isinstance(shape, tuple) and all(isinstance(n, int) and n >= 0 for n in shape)):
        _refuse(where, 'an array with the shape %r' % (shape,))
    order = 'F' if fortran else 'C'
    count = int(np.prod(shape, dtype=np.int64))
    if dt.hasobject:
        if not isinstance(data, list) or len(data) != count:
            _refuse(where, 'an object array whose items do not match its shape')
        out = np.empty(count, dtype=object)
        out[:] = data if count else []
        return out.reshape(shape, order=order)
    if isinstance(data, str):  # Python 2 pickles read with encoding='latin1' semantics
        data = data.encode('latin1')
    if not isinstance(data, (bytes, bytearray)) or len(data) != count * dt.itemsize:
        _refuse(where, 'an array whose data does not match its shape and dtype')
    return np.frombuffer(bytes(data), dtype=dt).reshape(shape, order=order).copy()


def _scalar(where, args):
    if not (isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], np.dtype)):
        _refuse(where, 'a NumPy scalar of another form')
    dt, data = args
    if dt.hasobject:
        _refuse(where, 'an object scalar')
    if isinstance(data, str):
        data = data.encode('latin1')
    if not isinstance(data, bytes) or len(data) != dt.itemsize:
        _refuse(where, 'a NumPy scalar whose data does not match its dtype')
    return np.frombuffer(data, dtype=dt)[0]


def _pop_mark(stack):
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is _MARK:
            items = stack[i + 1:]
            del stack[i:]
            return items
    raise UnsafeFileError('malformed pickle: no MARK')


def _reduce(where, func, args):
    if not isinstance(func, _Global):
        _refuse(where, 'a call of %r' % type(func).__name__)
    if func.key in _RECONSTRUCT:
        if not (isinstance(args, tuple) and args and isinstance(args[0], _Global) and args[0].key in _NDARRAY):
            _refuse(where, 'a reconstruction of something other than numpy.ndarray')
        return _PendingArray()
    if func.key in _DTYPE:
        if not (isinstance(args, tuple) and args):
            _refuse(where, 'a dtype without arguments')
        return _PendingDtype(args[0])
    if func.key in _SCALAR:
        return _scalar(where, args)
    if func.key in _FROMBUFFER:  # protocol 5: _frombuffer(data, dtype, shape, order)
        if not (isinstance(args, tuple) and len(args) == 4 and isinstance(args[1], np.dtype)):
            _refuse(where, 'numpy _frombuffer with arguments of another form')
        data, dt, shape, order = args
        return _array(where, (1, tuple(shape), dt, order == 'F', data))
    if func.key in _ENCODE:
        if not (isinstance(args, tuple) and len(args) == 2 and isinstance(args[0], str)
                and args[1] in ('latin1', 'latin-1')):
            _refuse(where, '_codecs.encode with arguments other than (text, "latin1")')
        return args[0].encode('latin1')
    _refuse(where, 'a call of %s.%s' % func.key)


def _build(where, obj, state):
    if isinstance(obj, _PendingArray):
        return _array(where, state)
    if isinstance(obj, _PendingDtype):
        return _dtype(where, obj.spec, state)
    _refuse(where, 'a BUILD of %r' % type(obj).__name__)


_SIMPLE = {'INT', 'BININT', 'BININT1', 'BININT2', 'LONG', 'LONG1', 'LONG4', 'FLOAT', 'BINFLOAT',
           'BINUNICODE', 'SHORT_BINUNICODE', 'BINUNICODE8', 'UNICODE', 'BINBYTES', 'SHORT_BINBYTES',
           'BINBYTES8', 'BYTEARRAY8', 'STRING', 'BINSTRING', 'SHORT_BINSTRING'}
_CONST = {'NONE': None, 'NEWTRUE': True, 'NEWFALSE': False}


def loads(data, where='<pickle>', encoding='bytes'):
    """The value a pickle stream describes, built without running any of it.

    ``encoding='bytes'`` keeps Python 2 ``str`` as bytes (as ``pickle.load(f,
    encoding='bytes')``, which Keras uses for CIFAR); ``'latin1'`` decodes them.
    """
    stack, memo = [], {}
    try:
        ops = list(pickletools.genops(io.BytesIO(data)))
    except Exception as e:  # noqa: BLE001  (genops raises ValueError and others on garbage)
        raise UnsafeFileError('%s: not a readable pickle (%s). Delete the file and download it again.'
                              % (where, e)) from None
    for op, arg, _ in ops:
        name = op.name
        if name in _SIMPLE:
            if name in ('STRING', 'BINSTRING', 'SHORT_BINSTRING'):
                if isinstance(arg, str):
                    arg = arg.encode('latin1')
                arg = arg if encoding == 'bytes' else arg.decode(encoding)
            stack.append(arg)
        elif name in _CONST:
            stack.append(_CONST[name])
        elif name in ('PROTO', 'FRAME'):
            pass
        elif name == 'STOP':
            if len(stack) != 1:
                raise UnsafeFileError('%s: malformed pickle (STOP with %d values).' % (where, len(stack)))
            return stack[0]
        elif name == 'MARK':
            stack.append(_MARK)
        elif name == 'EMPTY_LIST':
            stack.append([])
        elif name == 'EMPTY_DICT':
            stack.append({})
        elif name == 'EMPTY_TUPLE':
            stack.append(())
        elif name == 'LIST':
            stack.append(list(_pop_mark(stack)))
        elif name == 'TUPLE':
            stack.append(tuple(_pop_mark(stack)))
        elif name in ('TUPLE1', 'TUPLE2', 'TUPLE3'):
            n = int(name[-1])
            items = tuple(stack[-n:])
            del stack[-n:]
            stack.append(items)
        elif name == 'DICT':
            items = _pop_mark(stack)
            stack.append(dict(zip(items[::2], items[1::2])))
        elif name == 'APPEND':
            value = stack.pop()
            stack[-1].append(value)
        elif name == 'APPENDS':
            items = _pop_mark(stack)
            stack[-1].extend(items)
        elif name == 'SETITEM':
            value, key = stack.pop(), stack.pop()
            _setitem(where, stack[-1], key, value)
        elif name == 'SETITEMS':
            items = _pop_mark(stack)
            for key, value in zip(items[::2], items[1::2]):
                _setitem(where, stack[-1], key, value)
        elif name in ('PUT', 'BINPUT', 'LONG_BINPUT'):
            memo[arg] = stack[-1]
        elif name == 'MEMOIZE':
            memo[len(memo)] = stack[-1]
        elif name in ('GET', 'BINGET', 'LONG_BINGET'):
            if arg not in memo:
                raise UnsafeFileError('%s: malformed pickle (unknown memo %r).' % (where, arg))
            stack.append(memo[arg])
        elif name == 'GLOBAL':
            module, _, qualname = arg.partition(' ')
            stack.append(_global(where, module, qualname))
        elif name == 'STACK_GLOBAL':
            qualname, module = stack.pop(), stack.pop()
            stack.append(_global(where, module, qualname))
        elif name == 'REDUCE':
            args, func = stack.pop(), stack.pop()
            stack.append(_reduce(where, func, args))
        elif name == 'BUILD':
            state = stack.pop()
            stack[-1] = _build(where, stack[-1], state)
        else:
            _refuse(where, 'the pickle opcode %s' % name)
    raise UnsafeFileError('%s: malformed pickle (no STOP).' % where)


def _setitem(where, target, key, value):
    if not isinstance(target, dict):
        _refuse(where, 'an item assignment on %r' % type(target).__name__)
    if not isinstance(key, (str, bytes, int)):
        _refuse(where, 'a dict key of type %r' % type(key).__name__)
    target[key] = value


def _global(where, module, name):
    key = (module, name)
    if key in _RECONSTRUCT or key in _SCALAR or key in _NDARRAY or key in _DTYPE or key in _ENCODE\
            or key in _FROMBUFFER:
        return _Global(module, name)
    _refuse(where, 'a reference to %s.%s' % key)


def load_npz(path):
    """The arrays of an ``.npz`` file, object arrays included, as a dict (never unpickled)."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            key = member[:-4] if member.endswith('.npy') else member
            with archive.open(member) as f:
                out[key] = _read_npy(f, '%s[%s]' % (path, key))
    return out


def _read_npy(f, where):
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    if not dtype.hasobject:
        count = int(np.prod(shape, dtype=np.int64))
        data = f.read(count * dtype.itemsize)
        if len(data) != count * dtype.itemsize:
            raise UnsafeFileError('%s: the array data is truncated. Delete the file and download it again.'
                                  % where)
        return np.frombuffer(data, dtype=dtype).reshape(shape, order='F' if fortran else 'C').copy()
    value = loads(f.read(), where, encoding='latin1')
    if not isinstance(value, np.ndarray) or value.shape != tuple(shape):
        _refuse(where, 'an object array of another shape than its header says')
    return value
