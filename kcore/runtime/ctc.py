"""Connectionist temporal classification: Keras 2's ``K.ctc_batch_cost``, ``K.ctc_decode``
and ``K.ctc_label_dense_to_sparse``.

Keras 2.3 hands these to TensorFlow's CTC ops; kcore computes them itself, with
the same conventions: ``y_pred`` holds per-step class *probabilities*
``(samples, time_steps, num_categories)``, the blank is the last class, and
both functions first take ``log(y_pred + epsilon)``.  The loss is the negative
log-probability of the label sequence summed over every alignment (the
forward-backward algorithm in log space); its gradient comes from the same
forward and backward variables, through the ``ctc_loss`` kernel below, so a
device backend may replace it like any other kernel.
"""
from __future__ import annotations

import collections
from typing import Any

import numpy as np

from kcore import config
from kcore.autodiff.tensor import Tensor, apply
from kcore.runtime import ops
from kcore.runtime.device import ACTIVE

_NEG_INF = -np.inf


_logsumexp = np.logaddexp  # log(exp(a) + exp(b)), -inf handled without warnings


def _one_sequence(logp, label, blank):
    """(-log p(label), d(-log p)/d logp) for one sample: ``logp`` is ``(T, C)`` log-probabilities."""
    steps = logp.shape[0]
    ext = np.full(2 * len(label) + 1, blank, dtype=np.int64)  # blank, l1, blank, l2, ..., blank
    ext[1::2] = label
    n = len(ext)
    # a path may skip a blank between two different labels
    skip = np.zeros(n, dtype=bool)
    skip[3::2] = ext[3::2] != ext[1:-2:2]
    emit = logp[:, ext]                                            # (T, n)
    alpha = np.full((steps, n), _NEG_INF)
    beta = np.full((steps, n), _NEG_INF)
    alpha[0, :2] = emit[0, :2]
    for t in range(1, steps):
        prev = alpha[t - 1]
        acc = prev.copy()
        acc[1:] = _logsumexp(acc[1:], prev[:-1])
        acc[2:] = np.where(skip[2:], _logsumexp(acc[2:], prev[:-2]), acc[2:])
        alpha[t] = acc + emit[t]
    beta[-1, -2:] = emit[-1, -2:]
    for t in range(steps - 2, -1, -1):
        nxt = beta[t + 1]
        acc = nxt.copy()
        acc[:-1] = _logsumexp(acc[:-1], nxt[1:])
        acc[:-2] = np.where(skip[2:], _logsumexp(acc[:-2], nxt[2:]), acc[:-2])
        beta[t] = acc + emit[t]
    log_likelihood = _logsumexp(alpha[-1, -1], alpha[-1, -2]) if n > 1 else alpha[-1, -1]
    grad = np.zeros_like(logp)
    if not np.isfinite(log_likelihood):  # no alignment fits (labels longer than the input)
        return np.inf, grad
    # occupancy of (t, s): alpha + beta counts the emission at t twice
    occupancy = np.exp(alpha + beta - emit - log_likelihood)      # (T, n)
    np.add.at(grad.T, ext, -occupancy.T)
    return -log_likelihood, grad


def ctc_loss(log_probs, labels, input_length, label_length, blank):
    """Kernel: per-sample CTC loss of ``log_probs`` ``(samples, T, C)`` (log-probabilities over
    the classes) for integer ``labels`` ``(samples, L)``; returns ``(samples,)`` and the
    gradient rule for ``log_probs``."""
    host = np.asarray(ACTIVE.backend.to_numpy(log_probs), dtype=np.float64)
    losses = np.zeros(host.shape[0])
    grads = np.zeros_like(host)
    for i in range(host.shape[0]):
        steps, length = int(input_length[i]), int(label_length[i])
        losses[i], grads[i, :steps] = _one_sequence(host[i, :steps], labels[i, :length], blank)
    dtype = log_probs.dtype
    out = ACTIVE.backend.asarray(losses.astype(dtype))

    def vjp(g, needs):
        gx = grads * np.asarray(ACTIVE.backend.to_numpy(g), dtype=np.float64).reshape(-1, 1, 1)
        return (ACTIVE.backend.asarray(gx.astype(dtype)),) + (None,) * 4
    return out, vjp


KERNELS = {'ctc_loss': ctc_loss}


def _host(value):
    """A NumPy copy of a tensor or array of any backend (lengths and labels are host data)."""
    return ACTIVE.backend.to_numpy(ops.as_array(value))


def _lengths(value, samples, what, owner):
    lengths = np.asarray(_host(value)).reshape(-1).astype(np.int64)
    if lengths.shape != (samples,):
        raise ValueError('%s: %s must hold one length per sample, shape (samples, 1). Expected %d '
                         'lengths. Received: shape %s.' % (owner, what, samples, tuple(np.shape(value))))
    return lengths


def ctc_batch_cost(y_true: Any, y_pred: Any, input_length: Any, label_length: Any) -> Tensor:
    """CTC loss of each sample (Keras 2's ``K.ctc_batch_cost``).

    Args:
        y_true: ``(samples, max_string_length)`` integer labels (the blank, the last class,
            must not appear among the first ``label_length`` of them).
        y_pred: ``(samples, time_steps, num_categories)`` probabilities (e.g. a softmax).
        input_length: ``(samples, 1)``: how many steps of ``y_pred`` each sample uses.
        label_length: ``(samples, 1)``: how many labels of ``y_true`` each sample has.

    Returns:
        A ``(samples, 1)`` tensor of losses, differentiable with respect to ``y_pred``.

    Raises:
        ValueError: for lengths that do not fit the tensors or labels out of range.
    """
    owner = 'K.ctc_batch_cost'
    y_pred = ops.to_tensor(y_pred)
    if y_pred.ndim != 3:
        raise ValueError('%s: y_pred must be (samples, time_steps, num_categories). Received: shape %s.'
                         % (owner, tuple(y_pred.shape)))
    samples, steps, classes = y_pred.shape
    labels = np.asarray(_host(y_true)).astype(np.int64).reshape(samples, -1)
    inputs = _lengths(input_length, samples, 'input_length', owner)
    lengths = _lengths(label_length, samples, 'label_length', owner)
    if (inputs > steps).any() or (inputs < 1).any():
        raise ValueError('%s: input_length must be between 1 and time_steps=%d. Received: %s.'
                         % (owner, steps, inputs.tolist()))
    if (lengths > labels.shape[1]).any() or (lengths < 0).any():
        raise ValueError('%s: label_length must be between 0 and y_true.shape[1]=%d. Received: %s.'
                         % (owner, labels.shape[1], lengths.tolist()))
    for i in range(samples):
        used = labels[i, :lengths[i]]
        if ((used < 0) | (used >= classes - 1)).any():
            raise ValueError('%s: labels must be classes 0 .. %d (class %d is the blank). Received: %s for '
                             'sample %d.' % (owner, classes - 2, classes - 1, used.tolist(), i))
    # as Keras: log(y_pred + epsilon), which TensorFlow's CTC then normalizes (log-softmax)
    log_probs = ops.log_softmax(ops.log(y_pred + config.epsilon()), axis=-1)
    loss = apply('ctc_loss', log_probs, labels, inputs, lengths, classes - 1)
    return ops.expand_dims(loss, 1)


SparseLabels = collections.namedtuple('SparseLabels', 'indices values dense_shape')
SparseLabels.__doc__ = ('Labels in sparse form (TensorFlow\'s SparseTensor fields): ``indices`` ``(n, 2)``, '
                        '``values`` ``(n,)`` and ``dense_shape``.')


def ctc_label_dense_to_sparse(labels: Any, label_lengths: Any) -> SparseLabels:
    """The first ``label_lengths[i]`` labels of each row of ``labels`` in sparse form.

    Args:
        labels: ``(samples, max_length)`` integer labels.
        label_lengths: ``(samples,)`` lengths.

    Returns:
        ``SparseLabels(indices, values, dense_shape)``, as TensorFlow's SparseTensor holds them.
    """
    labels = np.asarray(_host(labels))
    lengths = _lengths(label_lengths, labels.shape[0], 'label_lengths', 'K.ctc_label_dense_to_sparse')
    mask = np.arange(labels.shape[1])[None, :] < lengths[:, None]
    indices = np.argwhere(mask).astype(np.int64)
    return SparseLabels(indices, labels[mask], np.array(labels.shape, dtype=np.int64))


def _greedy(logp, length, blank):
    best = logp[:length].argmax(axis=-1)
    score = float(logp[np.arange(length), best].sum())
    keep = np.ones(length, dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return [[int(c) for c in best[keep] if c != blank]], [-score]


def _beam(logp, length, blank, beam_width, top_paths):
    """CTC prefix beam search: every prefix scored by the log-probability summed over the
    alignments that give it, split into ending-in-blank and ending-in-label parts."""
    beams = {(): (0.0, _NEG_INF)}  # prefix -> (log p ending in blank, log p ending in a label)
    for t in range(length):
        step = logp[t]
        nxt = collections.defaultdict(lambda: (_NEG_INF, _NEG_INF))
        for prefix, (p_b, p_nb) in beams.items():
            total = np.logaddexp(p_b, p_nb)
            b, nb = nxt[prefix]
            nxt[prefix] = (np.logaddexp(b, total + step[blank]), nb)
            if prefix:  # the last label again, with no blank between: the same prefix
                b, nb = nxt[prefix]
                nxt[prefix] = (b, np.logaddexp(nb, p_nb + step[prefix[-1]]))
            for c in range(len(step)):
                if c == blank:
                    continue
                extended = prefix + (c,)
                # after the same label, a new one needs a blank between
                source = p_b if prefix and prefix[-1] == c else total
                b, nb = nxt[extended]
                nxt[extended] = (b, np.logaddexp(nb, source + step[c]))
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = dict(ranked[:beam_width])
    ranked = sorted(beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:top_paths]
    return [list(p) for p, _ in ranked], [float(np.logaddexp(*s)) for _, s in ranked]


def ctc_decode(y_pred: Any, input_length: Any, greedy: bool = True, beam_width: int = 100,
               top_paths: int = 1) -> tuple[list[np.ndarray], np.ndarray]:
    """Decode the output of a softmax (Keras 2's ``K.ctc_decode``).

    Greedy decoding takes the best class at every step, then merges repeats and drops
    blanks; its score is ``-sum(log max p)`` as TensorFlow's greedy decoder returns it.
    Beam search (``greedy=False``) ranks label sequences by their log-probability summed
    over alignments; as TensorFlow 1's decoder (which Keras 2.3 calls with
    ``merge_repeated=True``) it then merges repeated labels of each result.

    Args:
        y_pred: ``(samples, time_steps, num_categories)`` probabilities; the blank is the last class.
        input_length: ``(samples,)`` steps to decode per sample.
        greedy: best path decoding when true, beam search otherwise.
        beam_width: how many prefixes the beam search keeps.
        top_paths: how many decodings to return (beam search).

    Returns:
        ``(decoded, log_prob)``: a list of ``top_paths`` integer arrays ``(samples, max_length)``
        padded with -1, and a ``(samples, top_paths)`` array of scores.

    Raises:
        ValueError: for bad ``top_paths``/``beam_width`` or lengths.
    """
    owner = 'K.ctc_decode'
    probs = np.asarray(_host(y_pred), dtype=np.float64)
    if probs.ndim != 3:
        raise ValueError('%s: y_pred must be (samples, time_steps, num_categories). Received: shape %s.'
                         % (owner, probs.shape))
    samples, steps, classes = probs.shape
    lengths = _lengths(input_length, samples, 'input_length', owner)
    if (lengths > steps).any() or (lengths < 0).any():
        raise ValueError('%s: input_length must be between 0 and time_steps=%d. Received: %s.'
                         % (owner, steps, lengths.tolist()))
    paths = 1 if greedy else int(top_paths)
    if not greedy and not 1 <= paths <= beam_width:
        raise ValueError('%s: top_paths must be between 1 and beam_width=%d. Received: top_paths=%r.'
                         % (owner, beam_width, top_paths))
    logp = np.log(probs + config.epsilon())
    decoded = [[None] * samples for _ in range(paths)]
    scores = np.zeros((samples, paths))
    for i in range(samples):
        if greedy:
            seqs, seq_scores = _greedy(logp[i], lengths[i], classes - 1)
        else:
            seqs, seq_scores = _beam(logp[i], lengths[i], classes - 1, int(beam_width), paths)
            seqs = [[c for j, c in enumerate(s) if j == 0 or c != s[j - 1]] for s in seqs]
        seqs += [[]] * (paths - len(seqs))
        seq_scores += [_NEG_INF] * (paths - len(seq_scores))
        for k in range(paths):
            decoded[k][i] = seqs[k]
            scores[i, k] = seq_scores[k]
    dense = []
    for k in range(paths):
        width = max(len(s) for s in decoded[k]) if samples else 0
        out = np.full((samples, width), -1, dtype=np.int64)
        for i, s in enumerate(decoded[k]):
            out[i, :len(s)] = s
        dense.append(out)
    return dense, scores.astype(config.floatx())


__all__ = ['ctc_batch_cost', 'ctc_decode', 'ctc_label_dense_to_sparse']
