"""Keras 2 names of kcore-rnn (issue 19): Wrapper, ConvRNN2D and ConvLSTM2DCell, under their
Keras 2 module paths."""
import numpy as np
import pytest

import kcore

pytest.importorskip('kcore_conv', reason='convolutional recurrent layers need kcore-conv')


def test_convrnn2d_of_a_cell_is_convlstm2d():
    from kcore.layers.convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D
    x = np.random.default_rng(0).random((2, 3, 5, 5, 2)).astype('float32')
    layer = ConvRNN2D(ConvLSTM2DCell(3, (3, 3), padding='same'), return_sequences=True)
    out = np.asarray(layer(x))
    ref = ConvLSTM2D(3, (3, 3), padding='same', return_sequences=True)
    ref.build(x.shape)
    ref.set_weights(layer.get_weights())
    np.testing.assert_allclose(out, np.asarray(ref(x)), rtol=1e-5, atol=1e-6)
    assert out.shape == layer.compute_output_shape(x.shape)
    with pytest.raises(ValueError, match='ConvLSTM2DCell'):
        ConvRNN2D(kcore.layers.LSTMCell(2))
    with pytest.raises(ValueError, match='rank 5'):
        ConvRNN2D(ConvLSTM2DCell(3, 3))(np.zeros((2, 3, 4), 'float32'))


def test_wrapper_is_the_base_of_the_wrappers():
    from kcore.layers.wrappers import Bidirectional, TimeDistributed, Wrapper
    assert isinstance(TimeDistributed(kcore.layers.Dense(2)), Wrapper)
    bi = Bidirectional(kcore.layers.LSTM(2))
    assert isinstance(bi, Wrapper) and bi.layer is bi.forward_layer

    class Doubled(Wrapper):
        def call(self, inputs):
            return 2 * self.layer(inputs)
    dense = kcore.layers.Dense(3)
    layer = Doubled(dense)
    x = np.ones((2, 4), 'float32')
    np.testing.assert_allclose(np.asarray(layer(x)), 2 * np.asarray(dense(x)), rtol=1e-6)
    assert layer.weights == dense.weights
    assert layer.get_config()['layer']['class_name'] == 'Dense'
    with pytest.raises(ValueError, match='Layer instance'):
        Wrapper('dense')
