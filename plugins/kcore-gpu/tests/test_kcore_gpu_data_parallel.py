"""multi_gpu_model's data parallelism, run on the host: the same model code with every
replica on the CPU and the host reducer in place of NCCL.  Training over replicas must
equal training the template on whole batches (the gradients are averaged weighted by
slice size, so the update is the full batch's), and the template keeps the weights."""
import numpy as np
import pytest

import kcore
from kcore import layers, regularizers
from kcore.distribute.averaging import GradientBuffer, average_over_replicas, sum_in_place
from kcore.utils import multi_gpu_model
from kcore_gpu.data_parallel import DataParallelModel, HostReplicas, _slices


def _template(seed=0):
    model = kcore.Sequential([layers.Dense(6, activation='tanh', input_shape=(4,),
                                           kernel_regularizer=regularizers.l2(0.01)),
                              layers.Dense(3, activation='softmax')])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape) * 0.5 for w in model.get_weights()])
    return model


def _data():
    rng = np.random.default_rng(1)
    return rng.standard_normal((38, 4)), np.eye(3)[rng.integers(0, 3, 38)]


@pytest.mark.parametrize('replicas', [2, 3])
def test_training_over_replicas_equals_whole_batch_training(replicas):
    kcore.backend.set_floatx('float64')
    try:
        x, y = _data()
        reference = _template()
        reference.compile(kcore.optimizers.SGD(0.2, momentum=0.5), 'categorical_crossentropy', metrics=['accuracy'])
        want = reference.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
        template = _template()
        parallel = DataParallelModel(template, HostReplicas(replicas))
        parallel.compile(kcore.optimizers.SGD(0.2, momentum=0.5), 'categorical_crossentropy', metrics=['accuracy'])
        got = parallel.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history
    finally:
        kcore.backend.set_floatx('float32')
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-10, err_msg=key)
    for a, b in zip(template.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert [id(v) for v in parallel.weights] == [id(v) for v in template.weights]
    clones = parallel._parallel.models[1:]
    assert len(clones) == replicas - 1
    for clone in clones:  # the replicas hold the template's new weights after every step
        for a, b in zip(clone.get_weights(), template.get_weights()):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(parallel.predict(x[:5]), template.predict(x[:5]))


def test_slices_are_contiguous_and_skip_empty_parts():
    assert _slices(5, 2) == [slice(0, 2), slice(2, 5)]
    assert _slices(2, 3) == [slice(0, 1), slice(1, 2)]


def test_average_over_replicas_weights_by_samples_and_keeps_missing_gradients():
    shapes = [np.zeros((2, 2)), np.zeros(3)]
    bufs = [GradientBuffer(shapes, np) for _ in range(2)]
    g0 = [np.ones((2, 2)), None]
    g1 = [np.full((2, 2), 4.0), None]
    avg = average_over_replicas([g0, g1], [1, 3], bufs, sum_in_place)
    np.testing.assert_allclose(avg[0], np.full((2, 2), (1 * 1 + 3 * 4) / 4))
    assert avg[1] is None


def test_multi_gpu_model_on_a_cpu_says_how_many_gpus_there_are():
    with pytest.raises(ValueError, match='expect the active backend to have at least 2 GPUs'):
        multi_gpu_model(_template(), gpus=2)
    with pytest.raises(ValueError, match='gpus >= 2'):
        multi_gpu_model(_template(), gpus=1)
