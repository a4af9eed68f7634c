"""Gradient checks against central finite differences, in float64.

``check_gradients(fn, inputs)`` compares the reverse-mode gradient of
``sum(fn(*inputs) * r)`` (``r`` a fixed random projection) with finite
differences along random directions, for every input and for any variables
passed in ``wrt``.  Random directions keep the check cheap enough to run under
hypothesis; ``elementwise=True`` checks every entry of small inputs instead.
"""
import numpy as np

from kcore.autodiff.tensor import Tensor, gradients, no_grad
from kcore.runtime.device import ACTIVE
from kcore.utils import nest
from kcore.runtime import ops as K


def _noncontiguous(a):
    """The same values, as a strided (non-contiguous) view."""
    if a.ndim == 0:
        return a
    big = np.empty(a.shape[:-1] + (a.shape[-1] * 2,), dtype=a.dtype)
    big[..., ::2] = a
    return big[..., ::2]


def _evaluate(fn, tensors, projection):
    out = fn(*tensors)
    total = 0.0
    for o, r in zip(nest.flatten(out), projection):
        total = total + (o * Tensor(ACTIVE.xp.asarray(r))).data.sum()
    return float(total)


def check_gradients(fn, inputs, wrt=(), eps=1e-6, rtol=1e-4, atol=1e-7, directions=3, seed=0,
                    elementwise=False, noncontiguous=False, differentiable=None):
    """Raise ``AssertionError`` if autodiff gradients of ``fn`` disagree with finite differences.

    ``fn(*tensors)`` returns a tensor or a structure of tensors; ``inputs`` are
    arrays (cast to float64; integer arrays are passed through without a
    gradient); ``wrt`` are extra variables (layer weights) to check;
    ``differentiable`` optionally lists which inputs to check (default: float ones).
    Returns the analytic gradients (inputs first, then ``wrt``).
    """
    rng = np.random.default_rng(seed)
    arrays = []
    for a in inputs:
        a = np.asarray(a)
        if a.dtype.kind == 'f':
            a = a.astype(np.float64)
            if noncontiguous:
                a = _noncontiguous(a)
        arrays.append(a)
    if differentiable is None:
        differentiable = [a.dtype.kind == 'f' for a in arrays]
    tensors = [Tensor(ACTIVE.xp.asarray(a), requires_grad=bool(d)) for a, d in zip(arrays, differentiable)]
    wrt = list(wrt)
    with no_grad():
        probe = fn(*tensors)
    projection = [rng.standard_normal(tuple(o.shape)) for o in nest.flatten(probe)]
    out = fn(*tensors)
    loss = None
    for o, r in zip(nest.flatten(out), projection):
        term_t = _sum_projected(o, r)
        loss = term_t if loss is None else loss + term_t
    targets = [t for t, d in zip(tensors, differentiable) if d] + wrt
    analytic = gradients(loss, targets)
    analytic = [np.zeros(t.shape) if g is None else ACTIVE.backend.to_numpy(g).astype(np.float64)
                for g, t in zip(analytic, targets)]
    for g, t in zip(analytic, targets):
        if g.shape != tuple(t.shape):
            raise AssertionError('gradient shape %s does not match its input %s' % (g.shape, tuple(t.shape)))

    def value_at(deltas):
        saved = []
        with no_grad():
            shifted = []
            k = 0
            for t, d in zip(tensors, differentiable):
                if d:
                    shifted.append(Tensor(t.data + ACTIVE.xp.asarray(deltas[k])))
                    k += 1
                else:
                    shifted.append(t)
            for v in wrt:
                saved.append(v.data.copy())
                v.data += ACTIVE.xp.asarray(deltas[k]).astype(v.dtype)
                k += 1
            try:
                return _evaluate(fn, shifted, projection)
            finally:
                for v, s in zip(wrt, saved):
                    v.data[...] = s

    shapes = [tuple(t.shape) for t in targets]
    if elementwise:
        for i, shape in enumerate(shapes):
            for idx in np.ndindex(*shape):
                deltas = [np.zeros(s) for s in shapes]
                deltas[i][idx] = eps
                plus = value_at(deltas)
                deltas[i][idx] = -eps
                minus = value_at(deltas)
                numeric = (plus - minus) / (2 * eps)
                _compare(numeric, analytic[i][idx], rtol, atol, 'input %d at %s' % (i, idx))
    else:
        for k in range(directions):
            dirs = [rng.standard_normal(s) for s in shapes]
            plus = value_at([eps * d for d in dirs])
            minus = value_at([-eps * d for d in dirs])
            numeric = (plus - minus) / (2 * eps)
            predicted = sum(float((g * d).sum()) for g, d in zip(analytic, dirs))
            _compare(numeric, predicted, rtol, atol, 'random direction %d' % k)
    return analytic


def _sum_projected(o, r):
    return K.sum(o * Tensor(ACTIVE.xp.asarray(r.astype(o.dtype))))


def _compare(numeric, analytic, rtol, atol, where):
    scale = max(abs(numeric), abs(analytic), 1.0)
    if abs(numeric - analytic) > atol + rtol * scale:
        raise AssertionError('gradient mismatch along %s: finite differences give %.10g, autodiff gives %.10g'
                             % (where, numeric, analytic))


__all__ = ['check_gradients']
