"""Compile CUDA sources with NVRTC alone (no CuPy, no driver, no device).

Why: a machine without a GPU can still prove that every kernel kcore-gpu ships
compiles for a given architecture; the CPU test suite does this whenever the
NVRTC library is installed (``pip install "kcore-gpu[nvrtc]"``).
"""
import ctypes
import ctypes.util
import glob
import os


class NvrtcUnavailable(RuntimeError):
    """NVRTC's shared library was not found on this machine."""


class CompileError(RuntimeError):
    """NVRTC rejected a source; the message carries its log."""


def _candidates():
    try:
        import nvidia.cuda_nvrtc as pkg  # the nvidia-cuda-nvrtc-cu12 wheel
        for d in pkg.__path__:
            yield from sorted(glob.glob(os.path.join(d, 'lib', 'libnvrtc.so*')))
    except ImportError:
        pass
    found = ctypes.util.find_library('nvrtc')
    if found:
        yield found
    for home in (os.environ.get('CUDA_HOME'), os.environ.get('CUDA_PATH'), '/usr/local/cuda'):
        if home:
            yield from sorted(glob.glob(os.path.join(home, 'lib64', 'libnvrtc.so*')))


def load():
    """The NVRTC library (a ``ctypes.CDLL``).

    Raises:
        NvrtcUnavailable: when no ``libnvrtc`` can be loaded.
    """
    for path in _candidates():
        if 'builtins' in os.path.basename(path) or '.alt.' in os.path.basename(path):
            continue
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    raise NvrtcUnavailable('NVRTC was not found: install it with pip install "kcore-gpu[nvrtc]" '
                           '(the nvidia-cuda-nvrtc-cu12 wheel) or set CUDA_HOME.')


def compile_ptx(source, arch='compute_90', name='kernel.cu', options=()):
    """Compile ``source`` for virtual architecture ``arch``; returns the PTX text.

    Raises:
        NvrtcUnavailable: without NVRTC.
        CompileError: with NVRTC's log when the source does not compile.
    """
    lib = load()
    prog = ctypes.c_void_p()
    _check(lib, lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), name.encode(), 0, None, None))
    try:
        opts = [('-arch=%s' % arch).encode(), b'-std=c++14'] + [o.encode() for o in options]
        argv = (ctypes.c_char_p * len(opts))(*opts)
        status = lib.nvrtcCompileProgram(prog, len(opts), argv)
        if status != 0:
            raise CompileError('%s failed to compile for %s:\n%s' % (name, arch, _log(lib, prog)))
        size = ctypes.c_size_t()
        _check(lib, lib.nvrtcGetPTXSize(prog, ctypes.byref(size)))
        buf = ctypes.create_string_buffer(size.value)
        _check(lib, lib.nvrtcGetPTX(prog, buf))
        return buf.value.decode()
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))


def _log(lib, prog):
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    buf = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, buf)
    return buf.value.decode(errors='replace')


def _check(lib, status):
    if status != 0:
        lib.nvrtcGetErrorString.restype = ctypes.c_char_p
        raise CompileError('NVRTC error %d: %s' % (status, lib.nvrtcGetErrorString(status).decode()))
