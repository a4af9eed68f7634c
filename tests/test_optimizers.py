"""Optimizers against float64 references written here from the published update rules.

The references below follow each paper's formula with Keras 2.3's choices (epsilon
placement: outside the root for RMSprop and Adagrad, inside for Adadelta; Nadam's momentum
schedule ``0.96 ** (t * schedule_decay)``; Adagrad's accumulator from 0) and Keras 3's for
what Keras 2.3 lacks (RMSprop's centered variant, weight decay ``w -= w * wd * lr`` before
the update), and share nothing with the implementation.  Keras's own published
single-step values are checked as well.
"""
import json
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from kcore._deprecated import KcoreDeprecationWarning
from kcore.autodiff.tensor import Tensor, Variable
from kcore.backend.device import ACTIVE
from kcore.training import optimizers as O
from kcore.training import schedules as S


# -- references: one step in float64; ``s`` carries the slots, ``t`` counts from 1 ------------
def ref_sgd(w, g, s, t, lr, momentum=0.0, nesterov=False):
    if momentum == 0:
        return w - lr * g
    s['velocity'] = momentum * s.get('velocity', 0.0) - lr * g
    if nesterov:
        return w + momentum * s['velocity'] - lr * g
    return w + s['velocity']


def ref_rmsprop(w, g, s, t, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    s['mean_square'] = rho * s.get('mean_square', 0.0) + (1 - rho) * g ** 2
    if centered:
        s['mean_grad'] = rho * s.get('mean_grad', 0.0) + (1 - rho) * g
        step = lr * g / np.sqrt(s['mean_square'] - s['mean_grad'] ** 2 + epsilon)
    else:
        step = lr * g / (np.sqrt(s['mean_square']) + epsilon)
    if momentum > 0:
        s['mom'] = momentum * s.get('mom', 0.0) + step
        step = s['mom']
    return w - step


def ref_adam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    s['m'] = beta_1 * s.get('m', 0.0) + (1 - beta_1) * g
    s['v'] = beta_2 * s.get('v', 0.0) + (1 - beta_2) * g ** 2
    v = s['v']
    if amsgrad:
        v = s['v_max'] = np.maximum(s.get('v_max', 0.0), v)
    lr_t = lr * math.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return w - lr_t * s['m'] / (np.sqrt(v) + epsilon)


def ref_adamax(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    s['m'] = beta_1 * s.get('m', 0.0) + (1 - beta_1) * g
    s['u'] = np.maximum(beta_2 * s.get('u', 0.0), np.abs(g))
    return w - (lr / (1 - beta_1 ** t)) * s['m'] / (s['u'] + epsilon)


def ref_nadam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, schedule_decay=0.004):
    def mu(i):
        return beta_1 * (1 - 0.5 * 0.96 ** (i * schedule_decay))
    prod = 1.0
    for i in range(1, t + 1):
        prod *= mu(i)
    s['m'] = beta_1 * s.get('m', 0.0) + (1 - beta_1) * g
    s['v'] = beta_2 * s.get('v', 0.0) + (1 - beta_2) * g ** 2
    m_hat = mu(t + 1) * s['m'] / (1 - prod * mu(t + 1)) + (1 - mu(t)) * g / (1 - prod)
    v_hat = s['v'] / (1 - beta_2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon)


def ref_adagrad(w, g, s, t, lr, initial_accumulator_value=0.0, epsilon=1e-7):
    s['acc'] = s.get('acc', initial_accumulator_value) + g ** 2
    return w - lr * g / (np.sqrt(s['acc']) + epsilon)


def ref_adadelta(w, g, s, t, lr, rho=0.95, epsilon=1e-7):
    s['eg2'] = rho * s.get('eg2', 0.0) + (1 - rho) * g ** 2
    delta = -np.sqrt(s.get('edx2', 0.0) + epsilon) / np.sqrt(s['eg2'] + epsilon) * g
    s['edx2'] = rho * s.get('edx2', 0.0) + (1 - rho) * delta ** 2
    return w + lr * delta


REFS = {'SGD': ref_sgd, 'RMSprop': ref_rmsprop, 'Adam': ref_adam, 'AdamW': ref_adam, 'Adamax': ref_adamax,
        'Nadam': ref_nadam, 'Adagrad': ref_adagrad, 'Adadelta': ref_adadelta}
NAMES = sorted(REFS)

unit = st.floats(0, 1)
eps = st.floats(1e-7, 1.0)
beta = st.floats(0, 0.99)
HYPER = {
    'SGD': st.fixed_dictionaries({'momentum': st.just(0.0) | unit, 'nesterov': st.booleans()}),
    'RMSprop': st.fixed_dictionaries({'rho': unit, 'momentum': st.just(0.0) | unit, 'epsilon': eps,
                                      'centered': st.booleans()}),
    'Adam': st.fixed_dictionaries({'beta_1': beta, 'beta_2': st.floats(0, 0.999), 'epsilon': eps,
                                   'amsgrad': st.booleans()}),
    'Adamax': st.fixed_dictionaries({'beta_1': beta, 'beta_2': unit, 'epsilon': eps}),
    'Nadam': st.fixed_dictionaries({'beta_1': beta, 'beta_2': st.floats(0, 0.999), 'epsilon': eps,
                                    'schedule_decay': st.just(0.004) | st.floats(0, 1)}),
    'Adagrad': st.fixed_dictionaries({'initial_accumulator_value': unit, 'epsilon': eps}),
    'Adadelta': st.fixed_dictionaries({'rho': unit, 'epsilon': eps}),
}
HYPER['AdamW'] = HYPER['Adam']
values = st.floats(-10, 10, allow_subnormal=False)


def run(opt, var, grads):
    for g in grads:
        opt.apply_gradients([(g, var)])
    return var.numpy()


def reference(name, w, grads, lr, hp, weight_decay=None):
    s = {}
    for t, g in enumerate(grads, 1):
        if weight_decay:
            w = w - w * weight_decay * lr
        w = REFS[name](w, g, s, t, lr, **hp)
    return w


# -- the update rules ---------------------------------------------------------------------
@pytest.mark.parametrize('name', NAMES)
@given(data=st.data())
def test_update_equals_float64_reference(name, data):
    hp = data.draw(HYPER[name], label='hyperparameters')
    lr = data.draw(st.floats(0, 1), label='learning_rate')
    wd = data.draw(st.floats(0, 0.5) if name == 'AdamW' else st.none() | st.floats(0, 0.5), label='weight_decay')
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), label='shape')
    steps = data.draw(st.integers(1, 4), label='steps')
    w0 = data.draw(hnp.arrays(np.float64, shape, elements=values), label='w0')
    grads = [data.draw(hnp.arrays(np.float64, shape, elements=values), label='g%d' % i) for i in range(steps)]
    opt = getattr(O, name)(learning_rate=lr, weight_decay=wd, **hp)
    var = Variable(w0.copy())
    s, w = {}, w0
    for t, g in enumerate(grads, 1):
        opt.apply_gradients([(g, var)])
        if wd:
            w = w - w * wd * lr
        w = REFS[name](w, g, s, t, lr, **hp)
        np.testing.assert_allclose(var.numpy(), w, rtol=1e-9, atol=1e-9, err_msg='step %d' % t)
    assert opt.iterations == steps


@pytest.mark.parametrize('name', NAMES)
def test_float32_stays_float32_in_place_and_close(name):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 4)).astype('float32')
    grads = [rng.standard_normal((3, 4)).astype('float32') for _ in range(3)]
    var = Variable(w0.copy())
    array = var.data
    opt = getattr(O, name)(learning_rate=0.01)
    got = run(opt, var, grads)
    assert var.data is array and got.dtype == np.float32
    assert all(a.dtype == np.float32 for _, a in opt.state([var])[1:])
    wd = 0.004 if name == 'AdamW' else None
    want = reference(name, w0.astype('float64'), [g.astype('float64') for g in grads], 0.01, {}, wd)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# Keras 3's published single-step values: lr=0.5, w=[1,2,3,4], g=[1,6,7,2], defaults otherwise,
# where Keras 2.3's rule gives the same step.  Adagrad and Nadam follow Keras 2.3 since issue 19:
# Adagrad's accumulator starts at 0 (the first step is lr * sign(g)), and Nadam's first step,
# with the schedule 0.96 ** (0.004 t), is lr * (1 - u_1) / (1 - u_1) ... = 0.5 times a factor
# worked out below from u_1, u_2 (Keras 3's value was 0.5314 with 0.96 ** t).
def _nadam_first_step(lr=0.5, beta_1=0.9, schedule_decay=0.004):
    u1, u2 = (beta_1 * (1 - 0.5 * 0.96 ** (i * schedule_decay)) for i in (1, 2))
    m_hat = u2 * (1 - beta_1) / (1 - u1 * u2) + (1 - u1) / (1 - u1)  # per unit of sign(g)
    return lr * m_hat / (1.0 + 1e-7)                                  # sqrt(v_hat) = |g|


KERAS_SINGLE_STEP = {
    'SGD': [0.5, -1.0, -0.5, 3.0], 'RMSprop': [-0.5811, 0.4189, 1.4189, 2.4189], 'Adam': [0.5, 1.5, 2.5, 3.5],
    'AdamW': [0.4980, 1.4960, 2.494, 3.492], 'Adamax': [0.5, 1.5, 2.5, 3.5],
    'Nadam': [w - _nadam_first_step() for w in (1, 2, 3, 4)], 'Adagrad': [0.5, 1.5, 2.5, 3.5],
    'Adadelta': [0.9993, 1.9993, 2.9993, 3.9993]}


@pytest.mark.parametrize('name', NAMES)
def test_keras_published_single_step(name):
    var = Variable(np.array([1.0, 2.0, 3.0, 4.0], 'float32'))
    run(getattr(O, name)(learning_rate=0.5), var, [np.array([1.0, 6.0, 7.0, 2.0], 'float32')])
    np.testing.assert_allclose(var.numpy(), KERAS_SINGLE_STEP[name], rtol=1e-4, atol=1e-4)


def test_nadam_keras_published_sequence():
    # Keras 3's golden values for Nadam(0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5), first and last
    # column; Keras 3's momentum schedule is 0.96 ** t, i.e. schedule_decay=1 (Keras 2.3's is 0.004)
    opt = O.Nadam(learning_rate=0.5, beta_1=0.5, beta_2=0.67, epsilon=1e-5, schedule_decay=1.0)
    var = Variable(np.ones(2, 'float32'))
    want = [[0.4281, 0.4281], [-0.1738, -0.1717], [-0.7115, -0.7084], [-1.2335, -1.2299], [-1.7492, -1.7454]]
    opt.apply_gradients([(np.full(2, 0.01, 'float32'), var)])
    for row in want:
        np.testing.assert_allclose(var.numpy(), row, atol=5e-4)
        opt.apply_gradients([(np.array([0.1, 1.0], 'float32'), var)])


@pytest.mark.parametrize('name', NAMES)
def test_weight_decay_and_exclusions(name):
    # Keras's published value: three decays of 2.0 at lr=1, weight_decay=0.004, zero gradients
    make = lambda: getattr(O, name)(learning_rate=1.0, weight_decay=0.004)  # noqa: E731
    g = np.zeros((), 'float32')
    var1, var2, var3 = (Variable(np.array(2.0, 'float32'), name=n) for n in ('a', 'dense/exclude_me', 'c'))
    make().apply_gradients([(g, var1)])
    opt2 = make()
    opt2.exclude_from_weight_decay(var_names=['exclude'])
    opt2.apply_gradients([(g, var1), (g, var2)])
    opt3 = make()
    opt3.exclude_from_weight_decay(var_list=[var3])
    opt3.apply_gradients([(g, var1), (g, var3)])
    assert float(var1.numpy()) == pytest.approx(1.9760959, abs=1e-6)
    assert float(var2.numpy()) == 2.0 and float(var3.numpy()) == 2.0


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('chunk', [5, 64])
def test_sliced_update_equals_whole_update(name, chunk, monkeypatch):
    """The backend's update_chunk_size changes the order of work, never the result."""
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((7, 9)).astype('float32')
    grads = [rng.standard_normal((7, 9)).astype('float32') for _ in range(3)]
    monkeypatch.setattr(ACTIVE.backend, 'update_chunk_size', None, raising=False)
    whole = run(getattr(O, name)(learning_rate=0.1), Variable(w0.copy()), grads)
    monkeypatch.setattr(ACTIVE.backend, 'update_chunk_size', chunk)
    opt = getattr(O, name)(learning_rate=0.1)
    var = Variable(w0.copy())
    np.testing.assert_array_equal(run(opt, var, grads), whole)
    strided = Variable(np.ascontiguousarray(w0.T).T)  # not C-contiguous: updated whole, still in place
    np.testing.assert_array_equal(run(getattr(O, name)(learning_rate=0.1), strided, grads), whole)


def test_constraint_applied_after_update():
    var = Variable(np.array([1.0, -1.0, 0.5], 'float32'), constraint=lambda v: Tensor(np.maximum(v.data, 0)))
    array = var.data
    O.SGD(learning_rate=1.0).apply_gradients([(np.array([2.0, 0.0, -1.0], 'float32'), var)])
    np.testing.assert_array_equal(var.numpy(), [0.0, 0.0, 1.5])
    assert var.data is array


@pytest.mark.parametrize('name', NAMES)
def test_float64_or_list_gradients_keep_float32_variables(name):
    g = np.array([0.3, -0.2, 0.1])
    results = []
    for grad in (g.astype('float32'), g, g.tolist()):
        var = Variable(np.ones(3, 'float32'))
        opt = getattr(O, name)(learning_rate=0.1)
        run(opt, var, [grad, grad])
        assert var.data.dtype == np.float32
        assert all(a.dtype == np.float32 for _, a in opt.state([var])[1:])
        results.append(var.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)
    np.testing.assert_array_equal(results[2], results[0])


def test_none_gradients_are_skipped_and_tensors_accepted():
    a, b = Variable(np.ones(2, 'float32')), Variable(np.ones(2, 'float32'))
    opt = O.SGD(learning_rate=0.5)
    opt.apply_gradients([(None, a), (Tensor(np.ones(2, 'float32')), b)])
    np.testing.assert_array_equal(a.numpy(), [1, 1])
    np.testing.assert_array_equal(b.numpy(), [0.5, 0.5])
    assert opt.apply_gradients([(None, a)]) == 1  # nothing to do: no step counted


# -- clipping ---------------------------------------------------------------------------------
def clipped(grads, **clip):
    """The gradients as SGD(lr=1) applied them, from weights at zero."""
    opt = O.SGD(learning_rate=1.0, **clip)
    variables = [Variable(np.zeros(np.shape(g))) for g in grads]
    opt.apply_gradients(zip([np.asarray(g, 'float64') for g in grads], variables))
    return [-v.numpy() for v in variables]


def test_clipnorm_scales_all_gradients_by_their_global_norm():
    # Keras 2.3's get_gradients: one norm over every gradient, each scaled by clipnorm / norm
    a, b = clipped([[3.0, 0.0], [0.0, 4.0]], clipnorm=1.0)
    np.testing.assert_allclose(a, [0.6, 0.0])
    np.testing.assert_allclose(b, [0.0, 0.8])
    a, b = clipped([[0.3, 0.0], [0.0, 0.4]], clipnorm=1.0)   # global norm 0.5: unchanged
    np.testing.assert_allclose(a, [0.3, 0.0])
    np.testing.assert_allclose(b, [0.0, 0.4])


def test_clipnorm_then_clipvalue_as_keras_2_3():
    # both may be given (Keras 2.3): the norm first, then each element
    a, b = clipped([[30.0, 0.0], [0.0, 40.0]], clipnorm=10.0, clipvalue=7.0)
    np.testing.assert_allclose(a, [6.0, 0.0])
    np.testing.assert_allclose(b, [0.0, 7.0])


def test_global_clipnorm_scales_all_together():
    a, b = clipped([[3.0, 0.0], [0.0, 4.0]], global_clipnorm=1.0)
    np.testing.assert_allclose(a, [0.6, 0.0])
    np.testing.assert_allclose(b, [0.0, 0.8])
    a, b = clipped([[3.0, 0.0], [0.0, 4.0]], global_clipnorm=10.0)
    np.testing.assert_allclose(a, [3.0, 0.0])
    a, b = clipped([[np.inf, 0.0], [0.0, 4.0]], global_clipnorm=1.0)
    assert np.isnan(a).all() and np.isnan(b).all()  # as Keras: a non-finite norm poisons the step


def test_clipvalue_clips_elements():
    (out,) = clipped([[100.0, -100.0, 0.5]], clipvalue=1.0)
    np.testing.assert_allclose(out, [1.0, -1.0, 0.5])


@given(g=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5), elements=values),
       c=st.floats(0.01, 20))
def test_clipnorm_property(g, c):
    (out,) = clipped([g], clipnorm=c)
    norm = np.sqrt((g * g).sum())
    assert np.sqrt((out * out).sum()) == pytest.approx(min(norm, c), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(out * max(norm, c), g * c, rtol=1e-9, atol=1e-9)  # same direction


# -- learning rate, schedules and legacy arguments ---------------------------------------------------
SCHEDULES = [S.ExponentialDecay(0.1, 3, 0.5), S.InverseTimeDecay(0.1, 2, 1.0, staircase=True),
             S.PiecewiseConstantDecay([1, 3], [0.1, 0.05, 0.01]), S.CosineDecay(0.0, 4, alpha=0.1,
                                                                                 warmup_target=0.1, warmup_steps=2)]


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('schedule', SCHEDULES, ids=lambda s: type(s).__name__)
def test_schedule_drives_every_optimizer(name, schedule):
    """A schedule gives the same trajectory as setting ``learning_rate = schedule(step)`` by hand."""
    rng = np.random.default_rng(3)
    w0, grads = rng.standard_normal(5), [rng.standard_normal(5) for _ in range(6)]
    scheduled, manual = getattr(O, name)(learning_rate=schedule), getattr(O, name)(learning_rate=1.0)
    a, b = Variable(w0.copy()), Variable(w0.copy())
    for step, g in enumerate(grads):
        assert scheduled.learning_rate == schedule(step)
        manual.learning_rate = schedule(step)
        scheduled.apply_gradients([(g, a)])
        manual.apply_gradients([(g, b)])
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_learning_rate_setter_getter_and_callable():
    opt = O.SGD(learning_rate=0.1)
    opt.learning_rate = 0.25
    assert opt.learning_rate == 0.25 and opt.lr == 0.25
    var = Variable(np.zeros(1))
    opt.apply_gradients([(np.ones(1), var)])
    assert var.numpy()[0] == -0.25
    called = O.SGD(learning_rate=lambda: 0.5)  # Keras 3: a callable takes no argument
    called.apply_gradients([(np.ones(1), var)])
    assert var.numpy()[0] == -0.75
    with pytest.raises(ValueError, match='plain callable'):
        called.get_config()
    scheduled = O.Adam(learning_rate=S.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match='LearningRateSchedule'):
        scheduled.learning_rate = 0.01
    scheduled.learning_rate = S.ExponentialDecay(0.2, 10, 0.5)
    assert scheduled.learning_rate == 0.2


def test_legacy_lr_and_decay():
    with pytest.warns(KcoreDeprecationWarning, match='learning_rate'):
        opt = O.SGD(lr=0.5)
    assert opt.learning_rate == 0.5
    with pytest.warns(KcoreDeprecationWarning, match='InverseTimeDecay'):
        opt = O.SGD(learning_rate=0.1, decay=0.5)
    var = Variable(np.zeros(1))
    for t in range(4):
        before = var.numpy()[0]
        assert opt.learning_rate == pytest.approx(0.1 / (1 + 0.5 * t))
        opt.apply_gradients([(np.ones(1), var)])
        assert before - var.numpy()[0] == pytest.approx(0.1 / (1 + 0.5 * t))
    with pytest.warns(KcoreDeprecationWarning):
        again = O.SGD.from_config(opt.get_config())
    assert again.decay == 0.5


def test_keras2_and_keras3_configs_load():
    keras2 = {'name': 'Adam', 'lr': 0.01, 'decay': 0.0, 'beta_1': 0.8, 'beta_2': 0.99, 'epsilon': 1e-07,
              'amsgrad': False}
    opt = O.Adam.from_config(keras2)
    assert (opt.learning_rate, opt.beta_1, opt.decay) == (0.01, 0.8, 0.0)
    assert O.Nadam.from_config({'lr': 0.002, 'schedule_decay': 0.004}).learning_rate == 0.002
    keras3 = {'name': 'adam', 'learning_rate': 0.001, 'weight_decay': None, 'clipnorm': None,
              'global_clipnorm': None, 'clipvalue': None, 'use_ema': False, 'ema_momentum': 0.99,
              'ema_overwrite_frequency': None, 'loss_scale_factor': None, 'gradient_accumulation_steps': None,
              'beta_1': 0.9, 'beta_2': 0.999, 'epsilon': 1e-07, 'amsgrad': True}
    assert O.Adam.from_config(keras3).amsgrad is True


# -- configuration and state -------------------------------------------------------------------
@pytest.mark.parametrize('name', NAMES)
@given(data=st.data())
def test_config_round_trip(name, data):
    hp = data.draw(HYPER[name])
    clip = data.draw(st.sampled_from([{}, {'clipnorm': 1.5}, {'clipvalue': 0.5}, {'global_clipnorm': 2.0}]))
    wd = data.draw(st.floats(0, 0.1)) if name == 'AdamW' else data.draw(st.none() | st.floats(0, 0.1))
    opt = getattr(O, name)(learning_rate=data.draw(st.floats(0, 1)), weight_decay=wd, name='opt_x', **clip, **hp)
    config = opt.get_config()
    assert json.loads(json.dumps(config)) == config
    again = type(opt).from_config(config)
    assert again.get_config() == config and again.slot_names == opt.slot_names


@pytest.mark.parametrize('schedule', SCHEDULES, ids=lambda s: type(s).__name__)
def test_config_round_trip_with_schedule(schedule):
    from kcore import optimizers as public
    opt = O.RMSprop(learning_rate=schedule, momentum=0.5)
    config = public.serialize(opt)
    assert config['class_name'] == 'RMSprop'
    assert config['config']['learning_rate']['class_name'] == type(schedule).__name__
    again = public.deserialize(json.loads(json.dumps(config)))
    assert isinstance(again._learning_rate, type(schedule))
    assert again.get_config() == opt.get_config()


@pytest.mark.parametrize('name', NAMES)
@given(before=st.integers(0, 4), after=st.integers(1, 3), seed=st.integers(0, 2 ** 16))
def test_state_round_trip_continues_exactly(name, before, after, seed):
    rng = np.random.default_rng(seed)
    shapes = [(3, 2), (2,)]
    grads = [[rng.standard_normal(s).astype('float32') for s in shapes] for _ in range(before + after)]
    original = getattr(O, name)(learning_rate=0.05)
    a = [Variable(rng.standard_normal(s).astype('float32'), name='v%d' % i) for i, s in enumerate(shapes)]
    for gs in grads[:before]:
        original.apply_gradients(zip(gs, a))
    state = original.state(a)
    assert state[0][0] == 'iteration' and int(state[0][1]) == before
    assert [n for n, _ in state[1:]] == ['v%d_%s' % (i, s) for i in range(2) for s in original.slot_names]
    saved = [np.array(arr) for _, arr in state]  # what a file would hold
    restored = type(original).from_config(original.get_config())
    b = [Variable(v.numpy().copy(), name=v.name) for v in a]
    restored.set_state(b, saved)
    for gs in grads[before:]:
        original.apply_gradients(zip(gs, a))
        restored.apply_gradients(zip(gs, b))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert restored.iterations == original.iterations


def test_set_state_rejects_wrong_arrays():
    v = Variable(np.zeros((2, 2), 'float32'))
    opt = O.Adam()
    state = [np.array(arr) for _, arr in opt.state([v])]
    with pytest.raises(ValueError, match='3 arrays, expected 3|has 2 arrays, expected 3'):
        opt.set_state([v], state[:2])
    with pytest.raises(ValueError, match=r'shape \(3,\), expected \(2, 2\)'):
        opt.set_state([v], [state[0], np.zeros(3), state[2]])


# -- names and bad arguments ------------------------------------------------------------------------
def test_registered_names():
    from kcore import optimizers as public
    for alias, cls in [('sgd', O.SGD), ('rmsprop', O.RMSprop), ('adam', O.Adam), ('adamw', O.AdamW),
                       ('adamax', O.Adamax), ('nadam', O.Nadam), ('adagrad', O.Adagrad), ('adadelta', O.Adadelta)]:
        assert type(O.get(alias)) is cls
        assert getattr(public, cls.__name__) is cls
    assert O.get({'class_name': 'Adam', 'config': {'learning_rate': 0.5}}).learning_rate == 0.5
    with pytest.raises(ValueError, match='Received: 42'):
        O.get(42)


def test_minimize_a_callable_loss():
    # Keras 3's RMSprop docstring example: one step on var**2 / 2 from 10.0 gives 9.683772
    var = Variable(np.array(10.0, 'float32'))
    O.RMSprop(learning_rate=0.1).minimize(lambda: (var * var) / 2.0, [var])
    assert float(var.numpy()) == pytest.approx(9.683772, abs=1e-6)


BAD = [
    (lambda: O.SGD(momentum=1.5), ValueError, r'`momentum` must be a number in \[0, 1\]. Received: momentum=1.5'),
    (lambda: O.SGD(momentum='0.9'), ValueError, "Received: momentum='0.9'"),
    (lambda: O.RMSprop(rho=-0.1), ValueError, r'`rho`.*Received: rho=-0.1.*default is 0.9'),
    (lambda: O.RMSprop(epsilon=0), ValueError, r'`epsilon` must be a number in \(0, inf\)'),
    (lambda: O.Adam(beta_1=1.0), ValueError, r'`beta_1` must be a number in \[0, 1\)'),
    (lambda: O.Nadam(beta_2=-1), ValueError, 'Received: beta_2=-1'),
    (lambda: O.Adamax(epsilon=-1e-3), ValueError, '`epsilon`'),
    (lambda: O.Adagrad(initial_accumulator_value=-1), ValueError, '`initial_accumulator_value`'),
    (lambda: O.Adadelta(rho=2), ValueError, 'Received: rho=2'),
    (lambda: O.Adam(learning_rate=-0.1), ValueError, 'learning_rate.*Received: learning_rate=-0.1'),
    (lambda: O.Adam(learning_rate='fast'), ValueError, "Received: learning_rate='fast'"),
    (lambda: O.Adam(clipnorm=0), ValueError, 'Received: clipnorm=0'),
    (lambda: O.Adam(global_clipnorm=1, clipvalue=1), ValueError, 'global_clipnorm cannot be combined'),
    (lambda: O.Adam(global_clipnorm=1, clipnorm=1), ValueError, 'global_clipnorm cannot be combined'),
    (lambda: O.SGD(weight_decay=-1), ValueError, 'Received: weight_decay=-1'),
    (lambda: O.AdamW(weight_decay=None), ValueError, 'Received: weight_decay=None'),
    (lambda: O.Adam(bogus=1), TypeError, 'bogus'),
    (lambda: O.Adam(use_ema=True), ValueError, 'use_ema.*Received: use_ema=True'),
]


@pytest.mark.parametrize('make, error, match', BAD)
def test_bad_arguments_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_gradient_of_wrong_shape_is_named():
    var = Variable(np.zeros((2, 3), 'float32'), name='kernel')
    with pytest.raises(ValueError, match=r"'kernel'.*Received: gradient of shape \(3,\)"):
        O.Adam().apply_gradients([(np.zeros(3, 'float32'), var)])


def test_keras2_set_value_on_the_learning_rate():
    from kcore import backend as K
    opt = O.Adam(learning_rate=0.01)
    assert K.get_value(opt.lr) == pytest.approx(0.01)
    K.set_value(opt.lr, 0.5)
    assert opt.learning_rate == 0.5 and opt.get_config()['learning_rate'] == 0.5
    assert isinstance(opt.learning_rate * 2, float)
