"""K.ctc_batch_cost / K.ctc_decode / K.ctc_label_dense_to_sparse (Keras 2's CTC), checked against
brute force over every alignment, finite differences, and Keras's NumPy reference for greedy decoding."""
import itertools

import numpy as np
import pytest
from hypothesis import given, strategies as st

from kcore import backend as K
from kcore.testing import check_gradients


def _probs(seed, samples, steps, classes):
    p = np.random.default_rng(seed).random((samples, steps, classes)) + 0.05
    return p / p.sum(-1, keepdims=True)


def _collapse(path, blank):
    out, prev = [], None
    for c in path:
        if c != prev and c != blank:
            out.append(c)
        prev = c
    return tuple(out)


def _label_probs(p, blank):
    """{label sequence: probability summed over all alignments} for one sample (brute force)."""
    out = {}
    for path in itertools.product(range(p.shape[1]), repeat=p.shape[0]):
        key = _collapse(path, blank)
        out[key] = out.get(key, 0.0) + np.prod(p[np.arange(len(path)), path])
    return out


@given(seed=st.integers(0, 50), steps=st.integers(1, 5), classes=st.integers(2, 4), data=st.data())
def test_ctc_batch_cost_is_minus_log_of_the_sum_over_alignments(seed, steps, classes, data):
    p = _probs(seed, 2, steps, classes)
    lengths = [data.draw(st.integers(1, steps)) for _ in range(2)]
    labels = np.zeros((2, 3), dtype='int64')
    label_lengths = []
    for i, n in enumerate(lengths):
        m = data.draw(st.integers(0, min(3, (n + 1) // 2)))
        labels[i, :m] = data.draw(st.lists(st.integers(0, classes - 2), min_size=m, max_size=m))
        label_lengths.append(m)
    cost = K.eval(K.ctc_batch_cost(labels, p.astype('float32'), np.array(lengths)[:, None],
                                   np.array(label_lengths)[:, None]))
    assert cost.shape == (2, 1)
    for i in range(2):
        table = _label_probs(p[i, :lengths[i]], classes - 1)
        expected = -np.log(table.get(tuple(labels[i, :label_lengths[i]]), 0.0))
        if np.isfinite(expected):
            np.testing.assert_allclose(cost[i, 0], expected, rtol=1e-4)
        else:
            assert np.isinf(cost[i, 0])


def test_ctc_batch_cost_gradient_matches_finite_differences():
    p = _probs(3, 2, 6, 4)
    labels = np.array([[0, 1, 0], [2, 2, 0]])
    check_gradients(lambda t: K.ctc_batch_cost(labels, t, np.array([[6], [5]]), np.array([[3], [2]])), [p])


def test_ctc_batch_cost_trains_a_model_through_a_lambda():
    import kcore
    from kcore import layers
    inp = kcore.Input((5, 3))
    probs = layers.Dense(4, activation='softmax')(inp)
    labels, in_len, lab_len = kcore.Input((2,)), kcore.Input((1,)), kcore.Input((1,))
    loss = layers.Lambda(lambda a: K.ctc_batch_cost(*a), output_shape=(1,))([labels, probs, in_len, lab_len])
    model = kcore.Model([inp, labels, in_len, lab_len], loss)
    model.compile('adam', loss=lambda y_true, y_pred: y_pred)
    rng = np.random.default_rng(0)
    x = rng.random((8, 5, 3)).astype('float32')
    y = rng.integers(0, 3, (8, 2))
    args = [x, y, np.full((8, 1), 5), np.full((8, 1), 2)]
    before = model.evaluate(args, np.zeros(8), verbose=0)
    model.fit(args, np.zeros(8), epochs=20, verbose=0)
    assert model.evaluate(args, np.zeros(8), verbose=0) < before


def test_ctc_batch_cost_errors_name_the_argument():
    p = _probs(0, 1, 4, 3).astype('float32')
    with pytest.raises(ValueError, match='blank'):
        K.ctc_batch_cost(np.array([[2]]), p, np.array([[4]]), np.array([[1]]))
    with pytest.raises(ValueError, match='input_length'):
        K.ctc_batch_cost(np.array([[0]]), p, np.array([[9]]), np.array([[1]]))
    with pytest.raises(ValueError, match='label_length'):
        K.ctc_batch_cost(np.array([[0]]), p, np.array([[4]]), np.array([[2]]))


def _reference_greedy(y_pred, input_length):
    """Keras 2.3's NumPy reference of greedy CTC decoding (tests/keras/backend/reference_operations)."""
    classes = y_pred.shape[-1]
    log_prob = np.zeros((len(y_pred), 1))
    decoded_dense = -np.ones(y_pred.shape[:2], dtype='int64')
    longest = 0
    for i, (prob, length) in enumerate(zip(y_pred, input_length)):
        best = np.argmax(prob[:length], axis=-1)
        log_prob[i] = -np.sum(np.log(prob[np.arange(length), best]))
        merged = [c for j, c in enumerate(best) if j == 0 or c != best[j - 1]]
        kept = [c for c in merged if c != classes - 1]
        decoded_dense[i, :len(kept)] = kept
        longest = max(longest, len(kept))
    return decoded_dense[:, :longest], log_prob


def test_ctc_decode_greedy_matches_keras_reference():
    p = _probs(5, 3, 7, 5)
    lengths = np.array([7, 4, 6])
    decoded, log_prob = K.ctc_decode(p, lengths, greedy=True)
    ref_decoded, ref_log_prob = _reference_greedy(p, lengths)
    assert len(decoded) == 1
    np.testing.assert_array_equal(decoded[0], ref_decoded)
    np.testing.assert_allclose(log_prob, ref_log_prob, rtol=1e-5)


def test_ctc_decode_beam_search_finds_the_most_probable_labelling():
    p = _probs(11, 2, 5, 3)
    decoded, log_prob = K.ctc_decode(p, np.array([5, 4]), greedy=False, beam_width=50, top_paths=2)
    assert len(decoded) == 2 and log_prob.shape == (2, 2)
    for i, length in enumerate([5, 4]):
        table = _label_probs(p[i, :length], 2)
        ranked = sorted(table.items(), key=lambda kv: -kv[1])
        best = [c for c in decoded[0][i] if c != -1]
        # TensorFlow 1's decoder (merge_repeated=True) merges repeated labels of the result
        expected = [c for j, c in enumerate(ranked[0][0]) if j == 0 or c != ranked[0][0][j - 1]]
        assert best == expected
        np.testing.assert_allclose(log_prob[i], np.log([ranked[0][1], ranked[1][1]]), rtol=1e-4)


def test_ctc_decode_and_sparse_labels_errors_and_layout():
    with pytest.raises(ValueError, match='top_paths'):
        K.ctc_decode(_probs(0, 1, 3, 3), np.array([3]), greedy=False, beam_width=2, top_paths=3)
    sparse = K.ctc_label_dense_to_sparse(np.array([[1, 2, 0], [3, 0, 0]]), np.array([2, 1]))
    np.testing.assert_array_equal(sparse.indices, [[0, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(sparse.values, [1, 2, 3])
    np.testing.assert_array_equal(sparse.dense_shape, [2, 3])
