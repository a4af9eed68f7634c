"""kcore.callbacks.TensorBoard: the event files are read back record by record
(TFRecord framing and CRC32C checked here, independently of the writer) and
their values compared with what training logged."""
import glob
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

import kcore
from kcore import layers
from kcore.training.tensorboard import kernel_image

pytest.importorskip('tensorboardX')
from tensorboardX.proto import event_pb2, graph_pb2  # noqa: E402


def _crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def _masked_crc(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    crc ^= 0xFFFFFFFF
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_events(folder):
    """Every Event in the event files of ``folder``, checking each record's framing."""
    events = []
    for path in sorted(glob.glob(os.path.join(folder, 'events.out.tfevents.*'))):
        with open(path, 'rb') as f:
            data = f.read()
        pos = 0
        while pos < len(data):
            header = data[pos:pos + 8]
            (length,) = struct.unpack('<Q', header)
            (header_crc,) = struct.unpack('<I', data[pos + 8:pos + 12])
            assert header_crc == _masked_crc(header), 'damaged record header in %s' % path
            body = data[pos + 12:pos + 12 + length]
            (body_crc,) = struct.unpack('<I', data[pos + 12 + length:pos + 16 + length])
            assert body_crc == _masked_crc(body), 'damaged record in %s' % path
            events.append(event_pb2.Event.FromString(body))
            pos += 16 + length
    return events


def scalars(folder):
    """tag -> {step: value}."""
    out = {}
    for event in read_events(folder):
        for value in event.summary.value:
            if value.HasField('simple_value'):
                out.setdefault(value.tag, {})[event.step] = value.simple_value
    return out


def summaries(folder, kind):
    """tag -> [(step, summary value)] for values holding ``kind`` ('histo', 'image')."""
    out = {}
    for event in read_events(folder):
        for value in event.summary.value:
            if value.HasField(kind):
                out.setdefault(value.tag, []).append((event.step, value))
    return out


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4)).astype('float32')
    y = (x[:, :1] > 0).astype('float32')
    return x, y


def _model():
    kcore.utils.set_random_seed(1)
    model = kcore.Sequential([layers.Dense(3, activation='relu', input_shape=(4,), name='hidden'),
                              layers.Dense(1, activation='sigmoid', name='out')])
    model.compile(optimizer=kcore.optimizers.SGD(learning_rate=0.05), loss='binary_crossentropy',
                  metrics=['accuracy'])
    return model


def test_epoch_scalars_read_back_equal_the_history(tmp_path):
    x, y = _data()
    model = _model()
    tb = kcore.callbacks.TensorBoard(log_dir=str(tmp_path))
    history = model.fit(x, y, batch_size=10, epochs=3, validation_split=0.25, verbose=0, callbacks=[tb])
    train = scalars(str(tmp_path / 'train'))
    val = scalars(str(tmp_path / 'validation'))
    for name in ('loss', 'accuracy'):
        assert sorted(train['epoch_' + name]) == [0, 1, 2]
        np.testing.assert_allclose([train['epoch_' + name][e] for e in range(3)], history.history[name],
                                   rtol=1e-6)
        np.testing.assert_allclose([val['epoch_' + name][e] for e in range(3)], history.history['val_' + name],
                                   rtol=1e-6)
    assert train['epoch_learning_rate'] == {0: pytest.approx(0.05), 1: pytest.approx(0.05), 2: pytest.approx(0.05)}
    assert not any(tag.startswith('batch_') for tag in train)
    assert 'epoch_val_loss' not in train


def test_batch_scalars_every_n_batches_and_the_learning_rate_a_scheduler_sets(tmp_path):
    x, y = _data()
    model = _model()
    batch_losses = []
    record = kcore.callbacks.LambdaCallback(on_batch_end=lambda b, logs: batch_losses.append(logs['loss']))
    schedule = kcore.callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    tb = kcore.callbacks.TensorBoard(log_dir=str(tmp_path), update_freq=2)
    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[record, schedule, tb], shuffle=False)
    train = scalars(str(tmp_path / 'train'))
    # 4 batches an epoch, 8 in all: written after batches 2, 4, 6, 8 (steps count batches across epochs)
    assert sorted(train['batch_loss']) == [2, 4, 6, 8]
    np.testing.assert_allclose([train['batch_loss'][s] for s in (2, 4, 6, 8)], batch_losses[1::2], rtol=1e-6)
    assert train['epoch_learning_rate'][0] == pytest.approx(0.1)
    assert train['epoch_learning_rate'][1] == pytest.approx(0.05)


def test_update_freq_batch_writes_every_batch(tmp_path):
    x, y = _data()
    _model().fit(x, y, batch_size=20, epochs=2, verbose=0,
                 callbacks=[kcore.callbacks.TensorBoard(log_dir=str(tmp_path), update_freq='batch')])
    assert sorted(scalars(str(tmp_path / 'train'))['batch_accuracy']) == [1, 2, 3, 4]


def test_a_second_fit_continues_the_batch_and_epoch_curves(tmp_path):
    x, y = _data()
    model = _model()
    tb = kcore.callbacks.TensorBoard(log_dir=str(tmp_path), update_freq='batch')
    model.fit(x, y, batch_size=20, epochs=1, verbose=0, callbacks=[tb])
    model.fit(x, y, batch_size=20, epochs=2, initial_epoch=1, verbose=0, callbacks=[tb])
    train = scalars(str(tmp_path / 'train'))
    assert sorted(train['batch_loss']) == [1, 2, 3, 4]
    assert sorted(train['epoch_loss']) == [0, 1]


def test_weight_histograms_match_the_weights_and_follow_histogram_freq(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, batch_size=10, epochs=3, verbose=0,
              callbacks=[kcore.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=2)])
    histos = summaries(str(tmp_path / 'train'), 'histo')
    assert set(histos) == {'hidden/kernel_0', 'hidden/bias_0', 'out/kernel_0', 'out/bias_0'}
    assert [step for step, _ in histos['hidden/kernel_0']] == [0, 2]
    (_, last) = histos['hidden/kernel_0'][-1]
    kernel = model.get_layer('hidden').get_weights()[0]
    assert last.histo.num == kernel.size
    assert last.histo.min == pytest.approx(kernel.min(), rel=1e-6)
    assert last.histo.max == pytest.approx(kernel.max(), rel=1e-6)
    assert last.histo.sum == pytest.approx(kernel.sum(), rel=1e-5, abs=1e-6)
    assert sum(last.histo.bucket) == kernel.size


def test_write_images_draws_conv_kernels_as_a_grid_of_filters(tmp_path):
    kcore.utils.set_random_seed(0)
    model = kcore.Sequential([layers.Conv2D(4, 3, input_shape=(6, 6, 2), name='conv'), layers.Flatten(),
                              layers.Dense(1, name='out')])
    model.compile('sgd', 'mse')
    x = np.random.default_rng(0).normal(size=(8, 6, 6, 2)).astype('float32')
    model.fit(x, x[:, :1, 0, 0], epochs=1, verbose=0,
              callbacks=[kcore.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1, write_images=True)])
    images = summaries(str(tmp_path / 'train'), 'image')
    (_, conv), = images['conv/kernel_0/image']
    # 2 input channels x 4 filters of 3x3, one-pixel gaps: 2*4-1 rows, 4*4-1 columns
    assert (conv.image.height, conv.image.width) == (7, 15)
    png = conv.image.encoded_image_string
    assert png.startswith(b'\x89PNG')
    image = pytest.importorskip('PIL.Image')
    import io
    pixels = np.asarray(image.open(io.BytesIO(png)))[..., 0]
    kernel = model.get_layer('conv').get_weights()[0]
    expected = np.round(kernel_image(kernel)[..., 0] * 255)
    np.testing.assert_allclose(pixels, expected, atol=1)
    assert 'out/kernel_0/image' in images


def test_kernel_image_layouts():
    w = np.arange(3 * 3 * 3 * 2, dtype='float32').reshape(3, 3, 3, 2)
    img = kernel_image(w)  # RGB filters in one row
    assert img.shape == (3, 7, 3) and img.min() == 0.0 and img.max() == 1.0
    np.testing.assert_allclose(img[:, 3], 0)  # the gap between the two filters
    assert kernel_image(np.ones((5, 2, 4))).shape == (2 * 2 - 1, 4 * 6 - 1, 1)  # Conv1D
    assert kernel_image(np.ones((4, 3))).shape == (4, 3, 1)
    assert np.all(kernel_image(np.ones((4, 3))) == 0)  # constant weights: a flat image, no division by zero
    assert kernel_image(np.ones((2, 2, 2, 2, 2))) is None


def test_the_graph_lists_each_layer_with_its_inputs(tmp_path):
    a = kcore.Input((3,), name='a')
    b = kcore.Input((3,), name='b')
    merged = layers.Add(name='plus')([layers.Dense(2, name='da')(a), layers.Dense(2, name='db')(b)])
    model = kcore.Model([a, b], merged)
    kcore.callbacks.TensorBoard(log_dir=str(tmp_path)).set_model(model)
    (event,) = [e for e in read_events(str(tmp_path / 'train')) if e.graph_def]
    graph = graph_pb2.GraphDef.FromString(event.graph_def)
    nodes = {n.name: (n.op, list(n.input)) for n in graph.node}
    assert nodes['plus'] == ('Add', ['da', 'db'])
    assert nodes['da'] == ('Dense', ['a'])
    assert nodes['a'] == ('InputLayer', [])


def test_embeddings_write_the_projector_files_with_labels(tmp_path):
    kcore.utils.set_random_seed(0)
    model = kcore.Sequential([layers.Embedding(5, 3, input_length=2, name='emb'), layers.Flatten(),
                              layers.Dense(1)])
    model.compile('sgd', 'mse')
    labels = tmp_path / 'labels.tsv'
    labels.write_text('a\nb\nc\nd\ne\n')
    tb = kcore.callbacks.TensorBoard(log_dir=str(tmp_path / 'logs'), embeddings_freq=1,
                                     embeddings_metadata=str(labels))
    model.fit(np.array([[0, 1], [2, 4]]), np.zeros((2, 1)), epochs=1, verbose=0, callbacks=[tb])
    run = tmp_path / 'logs' / 'train'
    assert 'emb' in (run / 'projector_config.pbtxt').read_text()
    (tensors,) = glob.glob(str(run / '*' / 'emb' / 'tensors.tsv'))
    got = np.loadtxt(tensors, ndmin=2)
    np.testing.assert_allclose(got, model.get_layer('emb').get_weights()[0], rtol=1e-5, atol=1e-6)
    (meta,) = glob.glob(str(run / '*' / 'emb' / 'metadata.tsv'))
    with open(meta) as f:
        assert f.read().split() == ['a', 'b', 'c', 'd', 'e']


def test_bad_arguments_and_ignored_ones_are_said_clearly(tmp_path):
    with pytest.raises(ValueError, match=r"update_freq must be 'epoch', 'batch' or a positive integer.*"
                                         r"Received: update_freq='often'"):
        kcore.callbacks.TensorBoard(log_dir=str(tmp_path), update_freq='often')
    with pytest.raises(ValueError, match='histogram_freq must be a non-negative integer'):
        kcore.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=-1)
    with pytest.warns(UserWarning, match='write_grads=True is ignored'):
        kcore.callbacks.TensorBoard(log_dir=str(tmp_path), write_grads=True)
    with pytest.warns(UserWarning, match='embeddings_data is ignored'):
        kcore.callbacks.TensorBoard(log_dir=str(tmp_path), embeddings_data=np.zeros((2, 2)))
    labels = tmp_path / 'short.tsv'
    labels.write_text('a\nb\n')
    model = kcore.Sequential([layers.Embedding(5, 3, input_length=2, name='emb'), layers.Flatten(), layers.Dense(1)])
    model.compile('sgd', 'mse')
    tb = kcore.callbacks.TensorBoard(log_dir=str(tmp_path / 'logs'), embeddings_freq=1,
                                     embeddings_metadata={'emb': str(labels)})
    with pytest.raises(ValueError, match="one label per row of layer 'emb'.*Expected 5 lines. Received: 2"):
        model.fit(np.array([[0, 1]]), np.zeros((1, 1)), epochs=1, verbose=0, callbacks=[tb])


def test_the_callback_is_registered_and_has_keras_defaults():
    from kcore.training.tensorboard import TensorBoard
    assert kcore.callbacks.TensorBoard is TensorBoard
    tb = TensorBoard()
    assert (tb.log_dir, tb.histogram_freq, tb.batch_size, tb.write_graph, tb.update_freq) == \
        ('./logs', 0, 32, True, 'epoch')
    assert TensorBoard.from_config(tb.get_config()).get_config() == tb.get_config()


def test_without_tensorboardx_the_error_says_what_to_install():
    # in a fresh process: hiding the module here would break the event-writer threads
    # that earlier tests' writers may still run in this one
    code = ("import sys; sys.modules['tensorboardX'] = None\n"
            "import kcore\n"
            "try:\n    kcore.callbacks.TensorBoard()\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120).stdout
    assert 'pip install "kcore[tensorboard]"' in out, out
