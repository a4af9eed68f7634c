"""SimpleRNN, LSTM and GRU against the float64 reference loops, through both
paths (the fused kernel and the generic per-step cell), with hypothesis over
sizes, masks and the layer flags; gradients through time for inputs, weights
and initial states; dropout, stateful, initial states, masks from Embedding and
Masking, regularizers, constraints and the error messages.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kcore
import rnn_reference as ref
from kcore.autodiff import Tensor
from kcore.testing import check_gradients
from kcore_rnn.cell_base import draw_dropout_mask
from kcore_rnn.gru import GRU, GRUCell
from kcore_rnn.lstm import LSTM, LSTMCell
from kcore_rnn.rnn import RNN
from kcore_rnn.simple_rnn import SimpleRNN, SimpleRNNCell

LAYERS = {'simple_rnn': SimpleRNN, 'lstm': LSTM, 'gru': GRU}
CELLS = {'simple_rnn': SimpleRNNCell, 'lstm': LSTMCell, 'gru': GRUCell}
N_STATES = {'simple_rnn': 1, 'lstm': 2, 'gru': 1}


def _stepwise(cell_class):
    """A subclass whose ``step`` is its parent's: the RNN cannot fuse it and runs it step by step."""
    class Stepwise(cell_class):
        def step(self, inputs, states, state_mask):
            return super().step(inputs, states, state_mask)
    return Stepwise


STEPWISE = {kind: _stepwise(cls) for kind, cls in CELLS.items()}


def reference_step(kind, layer, input_mask=None, state_mask=None):
    cell = layer.cell
    w = [np.asarray(v, dtype=np.float64) for v in cell.get_weights()]
    kernel, rec = w[0], w[1]
    bias = w[2] if cell.use_bias else None
    params = {'activation': kcore.activations.serialize(cell.activation)}
    if kind != 'simple_rnn':
        params['recurrent_activation'] = kcore.activations.serialize(cell.recurrent_activation)
    if kind == 'gru':
        params['reset_after'] = cell.reset_after
    fn = {'simple_rnn': ref.simple_rnn_step, 'lstm': ref.lstm_step, 'gru': ref.gru_step}[kind]
    return fn(kernel, rec, bias, input_mask=input_mask, state_mask=state_mask, **params)


@st.composite
def layer_cases(draw, kind):
    acts = ['tanh', 'sigmoid', 'relu', 'hard_sigmoid', 'elu']  # elu is not fusable: generic path
    c = {'kind': kind, 'batch': draw(st.integers(1, 3)), 'steps': draw(st.integers(1, 5)),
         'features': draw(st.integers(1, 4)), 'seed': draw(st.integers(0, 2 ** 16)),
         'masked': draw(st.booleans()), 'initial_state': draw(st.booleans()),
         'stepwise': draw(st.booleans()),
         'kwargs': {'units': draw(st.integers(1, 4)), 'activation': draw(st.sampled_from(acts)),
                    'use_bias': draw(st.booleans()), 'return_sequences': draw(st.booleans()),
                    'return_state': draw(st.booleans()), 'go_backwards': draw(st.booleans()),
                    'zero_output_for_mask': draw(st.booleans()),
                    'bias_initializer': 'random_uniform', 'dtype': 'float64'}}
    if kind != 'simple_rnn':
        c['kwargs']['recurrent_activation'] = draw(st.sampled_from(acts[:4]))
    if kind == 'gru':
        c['kwargs']['reset_after'] = draw(st.booleans())
    return c


def make_layer(c):
    kwargs = dict(c['kwargs'])
    if not c['stepwise']:
        return LAYERS[c['kind']](**kwargs)
    rnn_args = {k: kwargs.pop(k) for k in ('return_sequences', 'return_state', 'go_backwards',
                                          'zero_output_for_mask') if k in kwargs}
    return RNN(STEPWISE[c['kind']](**kwargs), dtype='float64', **rnn_args)


def data_for(c):
    rng = np.random.default_rng(c['seed'])
    b, t, u = c['batch'], c['steps'], c['kwargs']['units']
    x = rng.uniform(-1, 1, (b, t, c['features']))
    mask = rng.random((b, t)) < 0.6 if c['masked'] else None
    states = [rng.uniform(-1, 1, (b, u)) for _ in range(N_STATES[c['kind']])] if c['initial_state'] else None
    return x, mask, states


def call(layer, x, mask, states, training=None):
    kwargs = {}
    if mask is not None:
        kwargs['mask'] = Tensor(mask)
    if states is not None:
        kwargs['initial_state'] = [Tensor(s) for s in states]
    if training is not None:
        kwargs['training'] = training
    return layer(Tensor(x), **kwargs)


@pytest.mark.parametrize('kind', ['simple_rnn', 'lstm', 'gru'])
@given(data=st.data())
def test_layer_matches_the_reference_loop(kind, data):
    c = data.draw(layer_cases(kind))
    layer = make_layer(c)
    x, mask, states = data_for(c)
    out = call(layer, x, mask, states)
    zeros = [np.zeros((c['batch'], c['kwargs']['units']))] * N_STATES[kind]
    flags = {k: layer.__dict__[k] for k in ('go_backwards', 'return_sequences', 'zero_output_for_mask')}
    want_y, want_states = ref.run(reference_step(kind, layer), x, states or zeros, mask, **flags)
    got = out if c['kwargs']['return_state'] else [out]
    assert len(got) == 1 + (N_STATES[kind] if c['kwargs']['return_state'] else 0)
    np.testing.assert_allclose(got[0].numpy(), want_y, rtol=1e-9, atol=1e-12)
    for g, w in zip(got[1:], want_states):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-9, atol=1e-12)
    assert [tuple(o.shape) for o in got] == [tuple(s) for s in _as_list(
        layer.compute_output_shape(x.shape), c['kwargs']['return_state'])]


def _as_list(shape, several):
    return shape if several else [shape]


@pytest.mark.parametrize('kind', ['simple_rnn', 'lstm', 'gru'])
@given(data=st.data())
def test_gradients_through_time_for_inputs_weights_and_initial_states(kind, data):
    c = data.draw(layer_cases(kind))
    c['kwargs'].update(activation='tanh', return_state=True)  # smooth, and every output checked
    if kind != 'simple_rnn':
        c['kwargs']['recurrent_activation'] = 'sigmoid'
    layer = make_layer(c)
    x, mask, states = data_for(c)
    states = states or [np.zeros((c['batch'], c['kwargs']['units']))] * N_STATES[kind]
    call(layer, x, mask, states)  # build

    def fn(x, *s):
        kwargs = {'initial_state': list(s)}
        if mask is not None:
            kwargs['mask'] = Tensor(mask)
        return layer(x, **kwargs)
    check_gradients(fn, [x] + states, wrt=layer.trainable_weights, noncontiguous=True)


@pytest.mark.parametrize('kind', ['simple_rnn', 'lstm', 'gru'])
def test_the_fused_and_the_stepwise_paths_agree_on_values_and_gradients(kind):
    from kcore.autodiff import gradients
    from kcore.backend import ops as K
    c = {'kind': kind, 'batch': 3, 'steps': 6, 'features': 4, 'seed': 3, 'masked': True,
         'initial_state': True, 'kwargs': {'units': 3, 'return_sequences': True, 'go_backwards': True,
                                           'dtype': 'float64', 'bias_initializer': 'random_uniform'}}
    fused = make_layer(dict(c, stepwise=False))
    stepwise = make_layer(dict(c, stepwise=True))
    x, mask, states = data_for(c)
    call(fused, x, mask, states)
    call(stepwise, x, mask, states)
    stepwise.set_weights(fused.get_weights())
    results = []
    for layer in (fused, stepwise):
        xt = Tensor(x, requires_grad=True)
        y = layer(xt, mask=Tensor(mask), initial_state=[Tensor(s) for s in states])
        grads = gradients(K.sum(y * y), [xt] + layer.trainable_weights)
        results.append([y.numpy()] + [g for g in grads])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_the_fused_kernel_is_one_autodiff_node():
    layer = LSTM(4, return_sequences=True)
    y = layer(np.random.rand(2, 7, 3).astype('float32'))
    assert y.dtype == np.float32
    node = y._node
    assert 'lstm_sequence' in node.vjp.__qualname__
    assert [p for p in node.parents if p is not None] == layer.trainable_weights


@pytest.mark.parametrize('kind', ['simple_rnn', 'lstm', 'gru'])
def test_dropout_uses_one_input_mask_and_one_recurrent_mask_for_all_steps(kind):
    rng = np.random.default_rng(0)
    b, t, d, u = 3, 5, 4, 3
    x = rng.uniform(-1, 1, (b, t, d))
    layer = LAYERS[kind](u, dropout=0.4, recurrent_dropout=0.3, seed=11, return_sequences=True,
                         dtype='float64', bias_initializer='random_uniform')
    out = call(layer, x, None, None, training=True).numpy()
    gen = np.random.default_rng(11)  # what kcore's generator for seed 11 is on the NumPy backend
    in_mask = draw_dropout_mask(gen, (b, d), 0.4, np.float64)
    st_mask = draw_dropout_mask(gen, (b, u), 0.3, np.float64)
    zeros = [np.zeros((b, u))] * N_STATES[kind]
    want, _ = ref.run(reference_step(kind, layer, in_mask, st_mask), x, zeros, return_sequences=True)
    np.testing.assert_allclose(out, want, rtol=1e-9, atol=1e-12)
    # a fresh draw each call, and none at inference
    again = call(layer, x, None, None, training=True).numpy()
    assert not np.allclose(again, out)
    plain, _ = ref.run(reference_step(kind, layer), x, zeros, return_sequences=True)
    np.testing.assert_allclose(call(layer, x, None, None).numpy(), plain, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize('kind', ['lstm', 'gru'])
def test_dropout_gradients_through_time(kind):
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (2, 4, 3))
    layer = LAYERS[kind](2, dropout=0.3, recurrent_dropout=0.3, seed=5, dtype='float64')
    layer(Tensor(x))

    class SameMasks:
        """Re-seed before each call so every evaluation draws the same masks."""
        def __call__(self, t):
            layer.cell._generator = None
            return layer(t, training=True)
    check_gradients(SameMasks(), [x], wrt=layer.trainable_weights)


def test_stateful_layers_carry_states_between_batches_and_reset():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, 6, 3))
    layer = LSTM(4, stateful=True, return_sequences=True, dtype='float64', batch_input_shape=(2, 3, 3))
    first = call(layer, x[:, :3], None, None).numpy()
    second = call(layer, x[:, 3:], None, None).numpy()
    whole, _ = ref.run(reference_step('lstm', layer), x, [np.zeros((2, 4))] * 2, return_sequences=True)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-9, atol=1e-12)
    assert len(layer.weights) == 3  # the states are not weights
    layer.reset_states()
    np.testing.assert_allclose(call(layer, x[:, :3], None, None).numpy(), first, rtol=1e-12)
    h0, c0 = rng.uniform(-1, 1, (2, 4)), rng.uniform(-1, 1, (2, 4))
    layer.reset_states([h0, c0])
    want, _ = ref.run(reference_step('lstm', layer), x[:, :3], [h0, c0], return_sequences=True)
    np.testing.assert_allclose(call(layer, x[:, :3], None, None).numpy(), want, rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match=r"stateful and was built for batches of 2 samples.*batch of 3"):
        call(layer, x[:1].repeat(3, axis=0)[:, :3], None, None)
    with pytest.raises(AttributeError, match='not stateful'):
        LSTM(2).reset_states()


def test_stateful_model_trains_with_fixed_batches():
    model = kcore.models.Sequential([GRU(3, stateful=True, batch_input_shape=(4, 5, 2)), kcore.layers.Dense(1)])
    model.compile('adam', 'mse')
    x = np.random.rand(8, 5, 2).astype('float32')
    model.fit(x, np.random.rand(8, 1), batch_size=4, epochs=1, shuffle=False, verbose=0)
    states = [s.numpy().copy() for s in model.layers[0].states]
    assert all(np.abs(s).sum() > 0 for s in states)
    model.layers[0].reset_states()
    assert all(np.abs(s.numpy()).sum() == 0 for s in model.layers[0].states)


def test_masks_from_embedding_and_masking_skip_padded_steps():
    ids = np.array([[3, 5, 0, 0], [0, 2, 7, 1]])
    model = kcore.models.Sequential([kcore.layers.Embedding(10, 3, mask_zero=True, dtype='float64'),
                                     LSTM(2, return_sequences=True, dtype='float64')])
    out = model.predict(ids, verbose=0)
    emb, = model.layers[0].get_weights()
    want, _ = ref.run(reference_step('lstm', model.layers[1]), emb[ids], [np.zeros((2, 2))] * 2,
                      mask=ids != 0, return_sequences=True)
    np.testing.assert_allclose(out, want, rtol=1e-9, atol=1e-12)
    # Masking: all-zero feature vectors are skipped
    x = emb[ids] * (ids != 0)[..., None]
    masked = kcore.models.Sequential([kcore.layers.Masking(0.0, dtype='float64'), GRU(2, dtype='float64')])
    out = masked.predict(x, verbose=0)
    want, _ = ref.run(reference_step('gru', masked.layers[1]), x, [np.zeros((2, 2))], mask=ids != 0)
    np.testing.assert_allclose(out, want, rtol=1e-9, atol=1e-12)


def test_the_output_mask_is_passed_on_only_with_return_sequences():
    emb = kcore.layers.Embedding(10, 3, mask_zero=True)
    ids = np.array([[3, 0, 1]])
    seq = LSTM(2, return_sequences=True)(emb(ids))
    np.testing.assert_array_equal(np.asarray(seq._keras_mask.data), [[True, False, True]])
    assert getattr(LSTM(2)(emb(ids)), '_keras_mask', None) is None


def test_initial_state_from_symbolic_inputs_and_from_an_inputs_list():
    x_in = kcore.Input(shape=(4, 3))
    h_in, c_in = kcore.Input(shape=(2,)), kcore.Input(shape=(2,))
    layer = LSTM(2, return_state=True)
    out = layer(x_in, initial_state=[h_in, c_in])
    assert [tuple(o.shape) for o in out] == [(None, 2)] * 3
    model = kcore.models.Model([x_in, h_in, c_in], out[0])
    rng = np.random.default_rng(4)
    x, h, c = rng.uniform(-1, 1, (3, 4, 3)), rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 2))
    got = model.predict([x, h, c], verbose=0)
    want, _ = ref.run(reference_step('lstm', layer), x, [h, c])
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    listed = layer([Tensor(x.astype('float32')), Tensor(h.astype('float32')), Tensor(c.astype('float32'))])
    np.testing.assert_allclose(listed[0].numpy(), want, rtol=1e-5, atol=1e-6)


def test_weights_have_keras_shapes_names_and_defaults():
    lstm = LSTM(3)
    lstm.build((None, 5, 4))
    assert [(v.name, tuple(v.shape)) for v in lstm.weights] == [
        ('kernel', (4, 12)), ('recurrent_kernel', (3, 12)), ('bias', (12,))]
    np.testing.assert_array_equal(lstm.cell.bias.numpy(), [0] * 3 + [1] * 3 + [0] * 6)  # unit_forget_bias
    rec = lstm.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(rec @ rec.T, np.eye(3), atol=1e-5)  # orthogonal
    gru = GRU(2)
    gru.build((None, 5, 4))
    assert [tuple(v.shape) for v in gru.weights] == [(4, 6), (2, 6), (2, 6)]
    old = GRU(2, reset_after=False)
    old.build((None, 5, 4))
    assert tuple(old.cell.bias.shape) == (6,)
    assert lstm.units == 3 and lstm.recurrent_activation is kcore.activations.sigmoid
    assert lstm.weights[0]._path == 'lstm/lstm_cell/kernel' or lstm.weights[0]._path.endswith('/lstm_cell/kernel')


def test_regularizers_and_constraints_reach_the_weights():
    layer = LSTM(3, kernel_regularizer='l2', recurrent_regularizer='l1', bias_regularizer='l2',
                 recurrent_constraint=kcore.constraints.MaxNorm(0.5))
    layer(np.random.rand(2, 4, 3).astype('float32'))
    assert len(layer.losses) == 3
    assert layer.cell.recurrent_kernel.constraint is not None
    model = kcore.models.Sequential([kcore.Input(shape=(4, 3)), layer, kcore.layers.Dense(1)])
    model.compile(kcore.optimizers.SGD(1.0), 'mse')
    model.fit(np.random.rand(8, 4, 3), np.random.rand(8, 1) * 10, epochs=1, verbose=0)
    norms = np.sqrt((layer.cell.recurrent_kernel.numpy() ** 2).sum(axis=0))
    assert norms.max() <= 0.5 + 1e-5


def test_an_lstm_model_learns_and_survives_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (64, 6, 2)).astype('float32')
    y = (x[:, :, 0].sum(axis=1) > 0).astype('float32')
    model = kcore.models.Sequential([kcore.Input(shape=(6, 2)), LSTM(8), kcore.layers.Dense(1, activation='sigmoid')])
    model.compile(kcore.optimizers.Adam(0.03), 'binary_crossentropy', metrics=['accuracy'])
    hist = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert hist.history['loss'][-1] < hist.history['loss'][0] * 0.5
    assert hist.history['accuracy'][-1] > 0.9
    path = str(tmp_path / 'lstm.h5')
    model.save(path)
    again = kcore.models.load_model(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_config_round_trip_keeps_every_argument():
    layer = GRU(3, activation='relu', recurrent_activation='hard_sigmoid', use_bias=False, dropout=0.1,
                recurrent_dropout=0.2, reset_after=False, return_sequences=True, go_backwards=True,
                kernel_regularizer='l2', seed=3, unroll=True, name='g')
    cfg = layer.get_config()
    clone = GRU.from_config(cfg)
    assert clone.get_config() == cfg
    assert cfg['reset_after'] is False and cfg['dropout'] == 0.1 and cfg['unroll'] is True
    assert 'cell' not in cfg
    rnn = RNN(LSTMCell(2), return_state=True)
    assert RNN.from_config(rnn.get_config()).get_config() == rnn.get_config()


def test_bad_arguments_and_inputs_get_clear_errors():
    with pytest.raises(ValueError, match=r"units must be a positive integer\. Received: units=0"):
        LSTM(0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)\. Received: dropout=1\.5"):
        GRU(2, dropout=1.5)
    with pytest.raises(TypeError, match=r"LSTM: unexpected keyword argument\(s\) reset_after"):
        LSTM(2, reset_after=True)
    with pytest.raises(ValueError, match=r"time_major=True is not supported"):
        LSTM(2, time_major=True)
    LSTM(2, time_major=False, implementation=1, use_cudnn='auto')  # Keras 2/3 configs carry these
    with pytest.raises(ValueError, match=r"Layer 'lstm.*' \(LSTM\).*rank 3.*Received: input_shape=\(2, 3\)"):
        LSTM(2)(np.zeros((2, 3), dtype='float32'))
    with pytest.raises(ValueError, match=r"expects 2 initial state tensor\(s\).*Received: 1"):
        LSTM(2)(np.zeros((1, 3, 2), dtype='float32'), initial_state=[np.zeros((1, 2), dtype='float32')])
    with pytest.raises(ValueError, match=r"initial state has the wrong shape\. Expected \(1, 2\)\. Received: \(1, 5\)"):
        GRU(2)(np.zeros((1, 3, 2), dtype='float32'), initial_state=np.zeros((1, 5), dtype='float32'))
    with pytest.raises(ValueError, match="must have a 'state_size' attribute"):
        RNN(kcore.layers.Dense(2))
    built = LSTM(2)
    built(np.zeros((1, 3, 4), dtype='float32'))
    with pytest.raises(ValueError, match=r"built for steps of shape \(4,\).*Received: input_shape=\(1, 3, 5\)"):
        built(np.zeros((1, 3, 5), dtype='float32'))


def test_the_generic_path_runs_a_user_written_cell():
    class MinimalRNNCell(kcore.layers.Layer):
        """Keras's documented example cell."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight('kernel', (input_shape[-1], self.units), initializer='uniform')
            self.recurrent_kernel = self.add_weight('recurrent_kernel', (self.units, self.units),
                                                    initializer='uniform')

        def call(self, inputs, states):
            output = kcore.backend.dot(inputs, self.kernel) + kcore.backend.dot(states[0], self.recurrent_kernel)
            return output, [output]

    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (2, 4, 3))
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    layer = RNN(MinimalRNNCell(3, dtype='float64'), return_sequences=True, dtype='float64')
    out = layer(Tensor(x), mask=Tensor(mask)).numpy()
    k, r = layer.cell.get_weights()
    want, _ = ref.run(ref.simple_rnn_step(k, r, None, activation='linear'), x, [np.zeros((2, 3))], mask,
                      return_sequences=True)
    np.testing.assert_allclose(out, want, rtol=1e-10)
    check_gradients(lambda t: layer(t, mask=Tensor(mask)), [x], wrt=layer.trainable_weights)
    symbolic = RNN(MinimalRNNCell(5))(kcore.Input(shape=(None, 3)))
    assert symbolic.shape == (None, 5)


def test_model_reset_states_resets_its_stateful_layers():
    import kcore
    x = np.random.default_rng(3).uniform(-1, 1, (2, 3, 3)).astype('float32')
    model = kcore.Sequential([LSTM(4, stateful=True, batch_input_shape=(2, 3, 3)), kcore.layers.Dense(1)])
    first = model.predict(x, batch_size=2)
    assert not np.allclose(model.predict(x, batch_size=2), first)  # the state carried over
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, batch_size=2), first, rtol=1e-6)


def test_states_of_a_layer_that_is_not_stateful_are_nones_one_per_state():
    """Keras 2: ``len(layer.states)`` counts the states (Keras's Bidirectional tests rely on it)."""
    from kcore.layers import GRU, LSTM, Bidirectional, SimpleRNN
    assert LSTM(3).states == [None, None] and GRU(2).states == [None] and SimpleRNN(4).states == [None]
    assert Bidirectional(LSTM(3)).states == [None] * 4
    layer = LSTM(2, stateful=True, batch_input_shape=(2, 3, 1))
    kcore.Sequential([layer]).predict(np.ones((2, 3, 1), 'float32'), batch_size=2)
    assert [s.shape for s in layer.states] == [(2, 2), (2, 2)]
