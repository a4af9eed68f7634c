"""One recurrent step's element-wise part as named kernels: ``lstm_cell_step``, ``gru_cell_step``.

Why: the sequence kernels (``lstm_sequence``, ``gru_sequence``) keep the
GEMMs (the input projection of all steps before the loop, one recurrent
product per step, the weight gradients over all steps after it) and call the
kernel table's cell step for everything between them.  A device backend
that registers ``lstm_cell_step@cuda`` fuses the gate activations and the
state update into one launch each way, and the sequence kernels use it
without being replaced themselves.

Both are ``fn(*arrays, **params) -> (outputs, vjp)`` kernels; ``vjp(grads,
needs)`` takes the output gradients (None for none) and returns one gradient
per array argument.  ``overwrite_z=True`` lets a kernel keep its activated
gates in the memory of ``z`` (the sequence kernels pass rows of their own
scratch array); an override may ignore it.
"""
import functools

from kcore.backend.device import ACTIVE
from kcore_rnn.kernels import activations


@functools.lru_cache(maxsize=64)
def _gate_blocks(names, units, dtype, xp):
    return activations.GateBlocks(list(names), units, dtype)


def lstm_cell_step(z, c, activation='tanh', recurrent_activation='sigmoid', overwrite_z=False, out=None,
                   grad_out=None, input_scaled=False):
    """One LSTM step after its products (the gate activations and the state update).

    ``z`` ``(B, 4U)`` is ``x_t @ kernel + h @ recurrent_kernel + bias`` (gates i, f, c, o,
    Keras's order), ``c`` ``(B, U)`` the previous cell state::

        i, f, o = recurrent_activation(z_i, z_f, z_o);  g = activation(z_c)
        c_new = f * c + i * g;  h = o * activation(c_new)

    Returns ``((h, c_new), vjp)``; ``vjp((dh, dc_new), needs)`` gives ``(dz, dc)``.
    ``out``: optional ``(h, c_new, activation(c_new))`` arrays ``(B, U)`` to write into,
    and ``grad_out`` a ``(B, 4U)`` array for the vjp to write ``dz`` into (the sequence
    kernel's rows, so a step allocates little); an override may ignore both.
    ``input_scaled=True`` (kcore-rnn's NumPy path only): the sigmoid/tanh columns of
    ``z`` arrive already multiplied by ``GateBlocks``' input scale (the sequence kernel
    scaled the weights once per call instead of ``z`` once per step).  The sequence
    kernels pass it only to this generic kernel, never to an override.
    """
    xp = ACTIVE.xp
    act, act_grad = activations.get(activation)
    u = c.shape[-1]
    blocks = _gate_blocks((recurrent_activation, recurrent_activation, activation, recurrent_activation),
                          u, z.dtype, xp)
    gates = z if overwrite_z else z.copy()
    if input_scaled:
        blocks.apply(gates)
    else:
        blocks.apply_unscaled(gates)
    i, f, g, o = gates[:, :u], gates[:, u:2 * u], gates[:, 2 * u:3 * u], gates[:, 3 * u:]
    h, c_new, ac = out if out is not None else (None, None, xp.empty_like(c))
    c_new = xp.multiply(f, c, out=c_new)
    c_new += xp.multiply(i, g, out=ac)  # ac as scratch before it holds activation(c_new)
    act(c_new, out=ac)
    h = xp.multiply(o, ac, out=h)

    def vjp(grads, needs):
        dh, dc = grads
        if dh is None and dc is None:
            return None, None
        dz = xp.empty_like(gates) if grad_out is None else grad_out
        if dh is None:
            dz[:, 3 * u:] = 0
            dc = dc.copy()
        else:
            xp.multiply(dh, ac, out=dz[:, 3 * u:])             # d o
            d = dh * o
            d *= act_grad(ac)
            if dc is not None:
                d += dc
            dc = d
        xp.multiply(dc, g, out=dz[:, :u])                      # d i
        xp.multiply(dc, c, out=dz[:, u:2 * u])                 # d f
        xp.multiply(dc, i, out=dz[:, 2 * u:3 * u])             # d g
        blocks.grad(gates, dz)
        dc *= f
        return (dz if needs[0] else None), (dc if needs[1] else None)

    return (h, c_new), vjp


def gru_cell_step(zx, zh, h, activation='tanh', recurrent_activation='sigmoid', overwrite_z=False, out=None,
                  grad_out=None):
    """One GRU step (``reset_after=True``, Keras 3's default) after its products.

    ``zx`` ``(B, 3U)`` is ``x_t @ kernel + input_bias``, ``zh`` ``(B, 3U)`` is ``h_rec @ recurrent_kernel +
    recurrent_bias`` (gates z, r, h; ``h_rec`` the state after recurrent dropout), ``h``
    ``(B, U)`` the previous state::

        z = ra(zx_z + zh_z);  r = ra(zx_r + zh_r);  hh = a(zx_h + r * zh_h)
        h_new = z * h + (1 - z) * hh

    Returns ``(h_new, vjp)``; ``vjp(dh_new, needs)`` gives ``(dzx, dzh, dh)``.
    ``out``: an optional ``(B, U)`` array to write ``h_new`` into, ``grad_out`` optional
    ``(dzx, dzh)`` arrays ``(B, 3U)`` for the vjp to write into; an override may ignore both.
    """
    xp = ACTIVE.xp
    act, act_grad = activations.get(activation)
    ract, ract_grad = activations.get(recurrent_activation)
    u = h.shape[-1]
    gates = zx if overwrite_z else zx.copy()
    gates[:, :2 * u] += zh[:, :2 * u]
    ract(gates[:, :2 * u])
    rh = zh[:, 2 * u:]
    gates[:, 2 * u:] += gates[:, u:2 * u] * rh
    hh = act(gates[:, 2 * u:])
    h_new = xp.subtract(h, hh, out=out)
    h_new *= gates[:, :u]
    h_new += hh

    def vjp(dh, needs):
        if dh is None:
            return None, None, None
        zg, r = gates[:, :u], gates[:, u:2 * u]
        dzx, dzh = (xp.empty_like(gates), None) if grad_out is None else grad_out
        dzg, dr, dhh = dzx[:, :u], dzx[:, u:2 * u], dzx[:, 2 * u:]
        xp.subtract(h, hh, out=dzg)
        dzg *= dh
        dzg *= ract_grad(zg)
        xp.multiply(dh, 1 - zg, out=dhh)
        dhh *= act_grad(hh)
        xp.multiply(dhh, rh, out=dr)
        dr *= ract_grad(r)
        if needs[1]:
            dzh = xp.empty_like(gates) if dzh is None else dzh
            dzh[:, :2 * u] = dzx[:, :2 * u]
            xp.multiply(dhh, r, out=dzh[:, 2 * u:])
        dh_prev = dh * zg if needs[2] else None
        return (dzx if needs[0] else None), (dzh if needs[1] else None), dh_prev

    return h_new, vjp


KERNELS = {'lstm_cell_step': lstm_cell_step, 'gru_cell_step': gru_cell_step}
