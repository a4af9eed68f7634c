"""Learning-rate schedules against their formulas (written here in plain math), configs and errors."""
import json
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from kcore.autodiff.tensor import Tensor
from kcore.training import schedules as S

rate = st.floats(0, 1)
steps = st.integers(0, 100000)
decay_steps = st.integers(1, 5000) | st.floats(0.5, 5000)


@given(lr=rate, ds=decay_steps, dr=st.floats(0, 1), stair=st.booleans(), step=steps)
def test_exponential_decay(lr, ds, dr, stair, step):
    exponent = math.floor(step / ds) if stair else step / ds
    assert S.ExponentialDecay(lr, ds, dr, staircase=stair)(step) == pytest.approx(lr * dr ** exponent,
                                                                                    rel=1e-12, abs=1e-300)


@given(lr=rate, ds=decay_steps, dr=st.floats(0, 10), stair=st.booleans(), step=steps)
def test_inverse_time_decay(lr, ds, dr, stair, step):
    p = math.floor(step / ds) if stair else step / ds
    assert S.InverseTimeDecay(lr, ds, dr, staircase=stair)(step) == pytest.approx(lr / (1 + dr * p), rel=1e-12)


@given(data=st.data())
def test_piecewise_constant_decay(data):
    boundaries = sorted(data.draw(st.sets(st.integers(0, 1000), min_size=1, max_size=5)))
    values = data.draw(st.lists(rate, min_size=len(boundaries) + 1, max_size=len(boundaries) + 1))
    schedule = S.PiecewiseConstantDecay(boundaries, values)
    step = data.draw(st.integers(0, 1100))
    # values[i] on (boundaries[i-1], boundaries[i]]: count the boundaries strictly below step
    assert schedule(step) == values[sum(b < step for b in boundaries)]
    for i, b in enumerate(boundaries):
        assert schedule(b) == values[i] and schedule(b + 1) == values[i + 1]


@given(lr=rate, ds=st.integers(1, 1000), alpha=rate, step=st.integers(0, 3000))
def test_cosine_decay(lr, ds, alpha, step):
    s = min(step, ds)
    want = lr * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / ds)) + alpha)
    assert S.CosineDecay(lr, ds, alpha=alpha)(step) == pytest.approx(want, rel=1e-12, abs=1e-15)


@given(lr=rate, target=rate, ws=st.integers(1, 500), ds=st.integers(1, 500), alpha=rate,
       step=st.integers(0, 1500))
def test_cosine_decay_with_warmup(lr, target, ws, ds, alpha, step):
    schedule = S.CosineDecay(lr, ds, alpha=alpha, warmup_target=target, warmup_steps=ws)
    if step < ws:
        want = lr + (target - lr) * step / ws
    else:
        s = min(step - ws, ds)
        want = target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / ds)) + alpha)
    assert schedule(step) == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert schedule(0) == pytest.approx(lr) and schedule(ws) == pytest.approx(target)
    assert schedule(ws + ds + 7) == pytest.approx(target * alpha, abs=1e-15)


def test_step_may_be_a_numpy_integer_or_a_tensor():
    schedule = S.ExponentialDecay(0.1, 10, 0.5)
    assert schedule(np.int64(10)) == schedule(Tensor(np.array(10))) == pytest.approx(0.05)
    assert isinstance(schedule(np.int64(3)), float)


ALL = [S.ExponentialDecay(0.1, 100, 0.96, staircase=True, name='exp'), S.InverseTimeDecay(0.5, 1, 0.1),
       S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1]),
       S.CosineDecay(0.0, 1000, alpha=0.1, warmup_target=0.01, warmup_steps=50)]


@pytest.mark.parametrize('schedule', ALL, ids=lambda s: type(s).__name__)
def test_config_round_trip(schedule):
    config = schedule.get_config()
    again = type(schedule).from_config(json.loads(json.dumps(config)))
    assert again.get_config() == config
    assert [again(s) for s in (0, 15, 60, 2000)] == [schedule(s) for s in (0, 15, 60, 2000)]
    packed = S.serialize(schedule)
    assert packed['class_name'] == type(schedule).__name__
    assert S.deserialize(packed).get_config() == config


def test_user_schedule_needs_call_and_config():
    class Half(S.LearningRateSchedule):
        pass
    with pytest.raises(NotImplementedError, match=r'Half must implement __call__'):
        Half()(0)
    with pytest.raises(NotImplementedError, match=r'Half must implement get_config'):
        Half().get_config()


BAD = [
    (lambda: S.ExponentialDecay(0.1, 0, 0.9), r'`decay_steps` must be a number in \(0, inf\). Received: decay_steps=0'),
    (lambda: S.ExponentialDecay(-0.1, 10, 0.9), 'Received: initial_learning_rate=-0.1'),
    (lambda: S.InverseTimeDecay(0.1, 10, 'fast'), "Received: decay_rate='fast'"),
    (lambda: S.PiecewiseConstantDecay([10, 20], [1.0]), 'one more element.*Received: boundaries=\\[10, 20\\]'),
    (lambda: S.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]), 'strictly increasing. Received: '),
    (lambda: S.CosineDecay(0.1, 100, alpha=2), r'`alpha` must be a number in \[0, 1\].*default is 0.0'),
    (lambda: S.CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=-1), 'Received: warmup_steps=-1'),
]


@pytest.mark.parametrize('make, match', BAD)
def test_bad_arguments_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()
