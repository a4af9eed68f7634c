"""BatchNormalization's two passes as named kernels: ``batch_norm_train`` and ``batch_norm_inference``.

Why named: a device backend replaces each by one fused launch
(``register(fn, name='batch_norm_train@cuda')``) without touching the layer.
The generic ones here are NumPy/CuPy code; the training kernel shares the
fused channels-last path of ``normalize_moments`` (``channel_moments``).

Argument conventions (both kernels): ``gamma``, ``beta`` (and for inference
``mean``, ``var``) are ``None`` or arrays broadcastable to ``x`` that are
constant along the normalised ``axes`` (one value per channel), as
BatchNormalization passes them.
"""
import numpy as np

from kcore.autodiff.primitives import unbroadcast
from kcore.layers.channel_moments import CHUNK_ELEMENTS
from kcore.layers.normalization import normalize_moments
from kcore.runtime.device import ACTIVE


def batch_norm_train(x, gamma, beta, axes, epsilon):
    """Kernel: the training pass, ``((x - mean) / sqrt(var + epsilon)) * gamma + beta`` with the
    batch's own statistics over ``axes``.

    Returns ``((y, mean, var), vjp)``: ``mean`` and ``var`` kept-dims, with no
    gradient (the layer folds them into its moving statistics); ``var`` is the
    biased variance.  The vjp gives ``(gx, ggamma, gbeta)`` from the three
    reductions ``sum gy``, ``sum gy * xhat`` in one pass.
    """
    return normalize_moments(x, gamma, beta, axes, epsilon)


def _per_channel_last(x, params):
    """Whether ``x`` is a C-contiguous NumPy array and every parameter one value per last-axis entry."""
    if ACTIVE.xp is not np or not isinstance(x, np.ndarray) or x.ndim < 1 or not x.flags.c_contiguous:
        return False
    c = x.shape[-1]
    return all(p is None or (isinstance(p, np.ndarray) and p.size == c and p.shape[-1] == c) for p in params)


def batch_norm_inference(x, mean, var, gamma, beta, epsilon):
    """Kernel: the inference pass with given statistics,
    ``(x - mean) * gamma / sqrt(var + epsilon) + beta``, as one scale and one shift of ``x``.

    Returns ``(y, vjp)``; the vjp gives ``(gx, gmean, gvar, ggamma, gbeta)`` (a
    frozen layer still passes gradients to its input, and a layer called with
    ``training=False`` inside a training loop still trains gamma and beta).
    """
    xp = ACTIVE.xp
    inv = 1.0 / xp.sqrt(var + epsilon)
    scale = inv * gamma if gamma is not None else inv
    shift = -mean * scale
    if beta is not None:
        shift = shift + beta
    if _per_channel_last(x, (mean, var, gamma, beta)):
        # in rows of about CHUNK_ELEMENTS, so the shift reads what the scale just wrote from cache
        c = x.shape[-1]
        x2 = x.reshape(-1, c)
        y2 = np.empty_like(x2, dtype=np.result_type(x2, scale))
        sc, sh = scale.reshape(c), shift.reshape(c)
        step = max(1, CHUNK_ELEMENTS // max(1, c))
        for i in range(0, x2.shape[0], step):
            out = y2[i:i + step]
            np.multiply(x2[i:i + step], sc, out=out)
            out += sh
        y = y2.reshape(x.shape)
    else:
        y = x * scale
        y += shift
    return y, inference_vjp(x, mean, var, gamma, beta, scale, inv)


#: kernels this module adds, registered by kcore's built-in plugin
KERNELS = {'batch_norm_train': batch_norm_train, 'batch_norm_inference': batch_norm_inference}
#: inputs for ``kcore.testing.check_override`` (a variance must be positive)
EXAMPLES = {'batch_norm_train': {'inputs': [(4, 2, 3), (3,), (3,)], 'params': {'axes': (0, 1), 'epsilon': 1e-3}},
            'batch_norm_inference': {'inputs': [(4, 3), (3,), [0.5, 1.0, 1.5], (3,), (3,)],
                                     'params': {'epsilon': 1e-3}}}


def inference_vjp(x, mean, var, gamma, beta, scale, inv):
    """The gradients of ``y = x * scale + shift`` with respect to all five inputs.

    Shared by the generic ``batch_norm_inference`` kernel and device overrides that compute
    the forward pass their own way; written against ``xp`` operators only.

    Args:
        x: the kernel's input.
        mean: the moving mean, or None.
        var: the moving variance, or None.
        gamma: the scale weight, or None.
        beta: the offset weight, or None.
        scale: ``inv * gamma`` (or ``inv`` without gamma), as the forward pass used it.
        inv: ``1 / sqrt(var + epsilon)``.

    Returns:
        ``vjp(gy, needs)`` returning ``(gx, gmean, gvar, ggamma, gbeta)``.
    """
    def vjp(gy, needs):
        if gy is None:
            return None, None, None, None, None
        gx = gmean = gvar = ggamma = gbeta = None
        if needs[0]:
            gx = gy * scale
        if needs[1] and mean is not None:
            gmean = unbroadcast(-gy * scale, mean.shape)
        if (needs[2] and var is not None) or (needs[3] and gamma is not None):
            centred = gy * (x - mean)
            if needs[3] and gamma is not None:
                ggamma = unbroadcast(centred * inv, gamma.shape)
            if needs[2] and var is not None:
                k = -0.5 * inv * inv * inv
                if gamma is not None:
                    k = k * gamma
                gvar = unbroadcast(centred * k, var.shape)
        if needs[4] and beta is not None:
            gbeta = unbroadcast(gy, beta.shape)
        return gx, gmean, gvar, ggamma, gbeta
    return vjp
