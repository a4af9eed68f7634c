"""What can be checked about kcore-gpu's kernels without a GPU: registration, that every
override keeps its generic kernel's signature and falls back to it for inputs it
declines (here: NumPy arrays), that every kernel the Python side launches exists in
the CUDA sources, and (when NVRTC is installed) that every source compiles for sm_90
with the struct layouts the Python side passes."""
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from kcore import plugins
from kcore.backend.device import ACTIVE
from kcore.runtime.device import with_fallback
from kcore_gpu import cuda, nvrtc
from kcore_gpu.kernels import KERNELS
from kcore_gpu.kernels.convolution import GEOMETRY
from kcore_gpu.kernels.pooling import POOL

PACKAGE = Path(__file__).resolve().parents[1] / 'kcore_gpu'


def _nvrtc_or_skip():
    try:
        nvrtc.load()
    except nvrtc.NvrtcUnavailable as e:
        pytest.skip(str(e))


def test_at_least_twelve_fused_kernels_are_registered_for_cuda():
    names = {e.name for e in plugins.registry('kernels').entries() if e.name.endswith('@cuda')}
    assert names == {n + '@cuda' for n in KERNELS}
    assert len(names) >= 12
    for must in ('adam_update', 'sgd_update', 'rmsprop_update', 'softmax_cross_entropy', 'sigmoid_cross_entropy',
                 'normalize_moments', 'lstm_sequence', 'take', 'dropout_mask', 'relu', 'elu', 'leaky_relu',
                 'conv2d', 'conv1d_transpose', 'depthwise_conv2d', 'max_pool2d', 'avg_pool3d', 'gru_sequence',
                 'bias_activation', 'batch_norm_train', 'batch_norm_inference', 'adamax_update', 'nadam_update',
                 'adagrad_update', 'adadelta_update'):
        assert must + '@cuda' in names


@pytest.mark.parametrize('name', sorted(KERNELS))
def test_override_has_the_generic_signature_and_a_supports_predicate(name):
    generic = plugins.registry('kernels').get(name)
    impl = KERNELS[name]
    assert list(inspect.signature(impl).parameters) == list(inspect.signature(generic).parameters)
    for p, q in zip(inspect.signature(impl).parameters.values(), inspect.signature(generic).parameters.values()):
        assert p.default == q.default, (name, p.name)
    entry = plugins.registry('kernels').entry(name + '@cuda')
    assert entry.obj is impl and entry.meta['supports'] is impl.supports


def _same(a, b):
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif a is None:
        assert b is None
    else:
        np.testing.assert_array_equal(a, b)


_rng = np.random.default_rng(0)
FALLBACK_CASES = {
    'relu': ((_rng.standard_normal((3, 4)),), {}),
    'elu': ((_rng.standard_normal((3, 4)),), {'alpha': 0.5}),
    'softmax_cross_entropy': ((_rng.standard_normal((3, 5)), np.eye(5)[[0, 2, 4]]), {}),
    'sigmoid_cross_entropy': ((_rng.standard_normal((3, 5)), _rng.random((3, 5))), {}),
    'take': ((_rng.standard_normal((6, 3)), np.array([[0, 5], [2, 2]])), {}),
    'dropout_mask': ((_rng.standard_normal((3, 4)), _rng.random((3, 4)) > 0.5, 2.0), {}),
}


def _as_resolved(name):
    """``name@cuda`` as the kernel table runs it: the override with its fallback."""
    entry = plugins.registry('kernels').entry(name + '@cuda')
    return with_fallback(name, entry.obj, plugins.registry('kernels').get(name), entry.meta['supports'], 'cuda')


@pytest.mark.parametrize('name', sorted(FALLBACK_CASES))
def test_declined_inputs_run_the_generic_kernel(name):
    """NumPy arrays are not CUDA arrays: the override declines and the generic result is returned."""
    args, params = FALLBACK_CASES[name]
    assert ACTIVE.backend.name == 'numpy'
    assert not KERNELS[name].supports(*args, **params)
    out, vjp = _as_resolved(name)(*args, **params)
    ref, ref_vjp = plugins.registry('kernels').get(name)(*args, **params)
    _same(out, ref)
    g = np.ones_like(ref)
    needs = (True,) + (False,) * (len(args) - 1)
    _same(vjp(g, needs)[0], ref_vjp(g, needs)[0])


def test_an_optimizer_update_on_numpy_arrays_falls_back_in_place():
    w = np.ones(5)
    g = np.arange(5.0)
    m, v = np.zeros(5), np.zeros(5)
    _as_resolved('adam_update')(g, w, m, v, None, 0.1, 0.9, 0.999, 1e-7)
    w2, m2, v2 = np.ones(5), np.zeros(5), np.zeros(5)
    plugins.registry('kernels').get('adam_update')(g, w2, m2, v2, None, 0.1, 0.9, 0.999, 1e-7)
    np.testing.assert_array_equal(w, w2)
    assert (w < 1).sum() == 4


def test_every_launched_kernel_exists_in_its_cuda_program():
    launched = set()
    for path in (PACKAGE / 'kernels').glob('*.py'):
        launched |= set(re.findall(r"(?:run|function)\('(\w+)', '(\w+)'", path.read_text()))
    assert len(launched) >= 20
    for program, kernel in launched:
        assert kernel in cuda.kernel_names(program), (program, kernel)


def test_unknown_program_or_dtype_is_a_clear_key_error():
    with pytest.raises(KeyError, match='no CUDA program'):
        cuda.program('nope', np.float32)
    with pytest.raises(KeyError):
        cuda.program('conv', np.int32)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('program', cuda.PROGRAMS)
def test_every_cuda_program_compiles_with_nvrtc(program, dtype):
    _nvrtc_or_skip()
    ptx = nvrtc.compile_ptx(cuda.program(program, dtype), arch='compute_90', name=program + '.cu')
    for kernel in cuda.kernel_names(program):
        assert '.entry %s(' % kernel in ptx


def _c_fields(program, struct):
    """The member names of ``struct`` in ``program``'s source, in declaration order."""
    body = re.search(r'struct %s \{(.*?)\};' % struct, cuda._read(program + '.cu'), re.S).group(1)
    body = re.sub(r'//[^\n]*', '', body)
    names = []
    for decl in body.split(';'):
        words = decl.replace(',', ' ').split()
        if words:
            names += [w for w in words[1:] if w not in ('long', 'int')]
    return names


@pytest.mark.parametrize('program, struct, dtype', [('conv', 'Geom', GEOMETRY), ('pool', 'Pool', POOL)])
def test_struct_layouts_match_the_python_side(program, struct, dtype):
    """The geometry structs CuPy passes by value have the C layout: the same members in the
    same order (so the same offsets, by C's alignment rules that ``align=True`` follows) and,
    compiled by NVRTC, the same size."""
    assert _c_fields(program, struct) == list(dtype.names)
    _nvrtc_or_skip()
    check = '\nstatic_assert(sizeof(%s) == %d, "size");' % (struct, dtype.itemsize)
    nvrtc.compile_ptx(cuda.program(program, np.float32) + check, name=program + '.cu')
    with pytest.raises(nvrtc.CompileError):
        nvrtc.compile_ptx(cuda.program(program, np.float32) + check.replace('==', '!='), name=program + '.cu')


def test_geometry_structs_hold_the_values_given():
    from kcore_gpu.kernels.convolution import geometry_struct
    g = geometry_struct(2, (5, 6), (3, 4), (3, 3), (2, 1), (1, 2), (1, 0), 4, 8)
    assert g.shape == (1,) and g['batch'][0] == 2
    assert (g['D'][0], g['H'][0], g['W'][0], g['KD'][0], g['PD'][0], g['PW'][0]) == (1, 5, 6, 1, 0, 0)
    assert (g['DW'][0], g['groups'][0], g['cg'][0]) == (2, 4, 8)


def test_a_broken_source_reports_nvrtc_log():
    _nvrtc_or_skip()
    with pytest.raises(nvrtc.CompileError, match='broken.cu failed to compile'):
        nvrtc.compile_ptx(cuda.program('optimizers', np.float32) + '\nstatic_assert(sizeof(T) == 3, "no");',
                          name='broken.cu')


def test_memory_limit_reads_fractions_bytes_and_units():
    from kcore.errors import BackendError
    from kcore_gpu.backend import parse_memory_limit
    assert parse_memory_limit('0.5', 1000) == 500
    assert parse_memory_limit('2048', 10) == 2048
    assert parse_memory_limit('8GB', 0) == 8 << 30 and parse_memory_limit('512m', 0) == 512 << 20
    with pytest.raises(BackendError, match='KCORE_GPU_MEMORY_LIMIT=.*not a size'):
        parse_memory_limit('lots', 0)
