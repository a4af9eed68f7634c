"""Keras 2.3's ``_uses_learning_phase`` flags on tensors and ``uses_learning_phase`` on
models, and the conditional losses/updates of ``add_loss``/``add_update(inputs=)``."""
import numpy as np
import pytest

import kcore
from kcore import backend as K
from kcore.layers import Concatenate, Dense, Dropout, Input
from kcore.models import Model, Sequential


def test_dropout_flags_its_outputs_and_the_flag_propagates():
    a, b = Input((4,)), Input((4,))
    a2 = Dense(3)(a)
    b2 = Dropout(0.5)(b)
    assert not a2._uses_learning_phase and b2._uses_learning_phase
    assert Concatenate()([a2, b2])._uses_learning_phase   # from an input
    model = Model([a, b], [a2, b2])
    assert model.uses_learning_phase
    c2, d2 = model([Input((4,)), Input((4,))])
    assert c2._uses_learning_phase and d2._uses_learning_phase  # the model as one layer
    assert not Model(a, a2).uses_learning_phase


def test_explicit_training_or_identity_dropout_does_not_flag():
    x = Input((2,))
    y = Dropout(0.5)(Dense(3)(x), training=True)
    model = Model(x, y)
    assert not y._uses_learning_phase and not model.uses_learning_phase
    assert not model(Input((2,)))._uses_learning_phase
    assert not Model.from_config(model.get_config()).uses_learning_phase
    assert not Dropout(0.0)(Input((2,)))._uses_learning_phase


def test_eager_calls_flag_real_tensors_outside_training():
    x = K.ones((2, 3))
    y = Dropout(0.5)(x)          # inference: the input itself comes back, and it stays unflagged
    assert y is x and not x._uses_learning_phase
    assert not Dropout(0.5)(x, training=True)._uses_learning_phase
    assert not Dense(2)(x)._uses_learning_phase
    assert Sequential([Dropout(0.5, input_shape=(3,))]).uses_learning_phase
    assert not Sequential([Dense(1, input_shape=(3,))]).uses_learning_phase


def test_get_losses_for_separates_conditional_and_unconditional_losses():
    a = Input((2,))
    layer = Dense(1, kernel_regularizer='l2')
    layer(a)
    layer.add_loss(0, inputs=a)
    layer.add_loss(1, inputs=None)
    assert layer.get_losses_for(a) == [0]
    unconditional = layer.get_losses_for(None)
    assert len(unconditional) == 2 and unconditional[1] == 1   # the kernel's l2, then the added one
    assert len(layer.losses) == 3


def test_activity_regularization_is_conditional_on_the_call_inputs():
    layer = Dense(2, activity_regularizer='l2', kernel_regularizer='l1')
    x = kcore.backend.constant(np.ones((2, 3), 'float32'))
    layer(x)
    assert len(layer.get_losses_for(x)) == 1 and len(layer.get_losses_for(None)) == 1


def test_add_update_keeps_what_it_cannot_apply_by_condition():
    a = Input((2,))
    layer = Dense(1)
    assert layer.updates == [] and layer.get_updates_for(None) == []
    layer.add_update(0, inputs=a)
    layer.add_update(1, inputs=None)
    assert layer.get_updates_for(a) == [0] and layer.get_updates_for(None) == [1]
    assert layer.updates == [0, 1]
    v = K.variable(np.zeros(2))
    layer.add_update((v, np.ones(2)))        # a pair is applied now, never pending
    np.testing.assert_array_equal(K.get_value(v), [1.0, 1.0])
    assert layer.updates == [0, 1]


def test_graph_model_compute_mask_gives_one_mask_per_output():
    from kcore.layers import Embedding, Masking
    a, b = Input((3,)), Input((3,))
    model = Model([a, b], [Dense(2)(a), Dense(2)(b)])
    assert model.compute_mask([a, b], [None, None]) == [None, None]
    ids = Input((4,), dtype='int32')
    emb = Model(ids, [Embedding(5, 2, mask_zero=True)(ids), Dense(1)(ids)])
    mask, none = emb.compute_mask(np.array([[1, 2, 0, 0]]))
    np.testing.assert_array_equal(np.asarray(mask.data), [[True, True, False, False]])
    assert none is None
    x = Input((2, 3))
    masking = Model(x, Masking(0.0)(x))
    data = np.array([[[0.0, 0, 0], [1, 2, 3]]])
    np.testing.assert_array_equal(np.asarray(masking.compute_mask(data).data), [[False, True]])
    with pytest.raises(NotImplementedError, match='real input tensors'):
        masking.compute_mask(x)
    assert masking(K.constant(data))._keras_mask is not None   # calling still sets it (once)
