"""``kcore.callbacks.TensorBoard``: training curves, weight histograms and kernel
images in event files that TensorBoard reads, written without TensorFlow.

The event files are written by tensorboardX (``pip install "kcore[tensorboard]"``).
The layout is the one Keras 2.3 writes on TensorFlow 2, so TensorBoard overlays
training and validation curves: ``<log_dir>/train`` and ``<log_dir>/validation``
runs, scalars ``epoch_<name>`` (step = epoch) and, with ``update_freq``,
``batch_<name>`` (step = the optimizer's step count, so curves continue across
``fit`` calls).  ``val_loss`` is written as ``epoch_loss`` in the validation run.
The learning rate is written every epoch as ``epoch_learning_rate``.

Deliberate differences from Keras 2.3 (no TensorFlow session to run):
``histogram_freq`` writes weight histograms only (no activations, so no
validation data is needed); ``write_graph`` writes the model's layer graph (one
node per layer, its class as the op); ``write_grads`` and ``batch_size`` are
accepted and ignored, as Keras 2.3 does on TensorFlow 2 (with a warning for
``write_grads``); ``embeddings_freq`` writes the weight matrices of the
``Embedding`` layers to the projector (TensorFlow 2's behaviour: the layers'
outputs on ``embeddings_data`` are not computed, so ``embeddings_data`` is
ignored with a warning).
"""
import itertools
import os
import warnings

import numpy as np

from kcore.training.callback_engine import Callback


#: event file names carry the time in seconds and the host; the process id and this
#: counter keep two writers opened in the same second (two quick fits) from
#: overwriting each other's file
_FILE_NUMBER = itertools.count()


def _unique_suffix(extra=''):
    return '.%d.%d%s' % (os.getpid(), next(_FILE_NUMBER), extra)


def _import_tensorboardx():
    try:
        import tensorboardX
    except ImportError as exc:
        raise ImportError('kcore.callbacks.TensorBoard writes event files through tensorboardX, which is not '
                          'installed. Install it with `pip install "kcore[tensorboard]"` (or `pip install '
                          'tensorboardX`).') from exc
    return tensorboardX


def named_weights(model):
    """(tag, array) for every weight, ``layer/weight_0`` as TensorFlow names them,
    nested models' layers by their own names."""
    seen = {}
    stack = list(reversed(model.layers))
    while stack:
        layer = stack.pop()
        if getattr(layer, 'layers', None) and hasattr(layer, '_layers'):
            stack.extend(reversed(layer.layers))
            continue
        for variable, value in zip(layer.weights, layer.get_weights()):
            tag = '%s/%s' % (layer.name, variable.name.split(':')[0])
            seen[tag] = seen.get(tag, -1) + 1
            yield '%s_%d' % (tag, seen[tag]), value


def kernel_image(weight):
    """A weight as an HWC float image in [0, 1], or None when it has no picture.

    Dense kernels (in, out) are one grey image; convolution kernels
    (k..., in, out) are a grid of filters, one column per output filter and one
    row per input channel (a row of RGB filters when there are 3 input channels),
    a one-pixel gap between tiles.
    """
    w = np.asarray(weight, dtype=np.float64)
    if w.ndim == 1:
        w = w[None, :]
    if w.ndim == 2:
        tiles = w[:, :, None]
    elif w.ndim in (3, 4):
        if w.ndim == 3:  # Conv1D: (k, in, out) -> filters one pixel high
            w = w[None]
        kh, kw, cin, cout = w.shape
        rgb = cin == 3
        rows = 1 if rgb else cin
        depth = 3 if rgb else 1
        tiles = np.zeros((rows * (kh + 1) - 1, cout * (kw + 1) - 1, depth))
        for r in range(rows):
            for c in range(cout):
                patch = w[:, :, :, c] if rgb else w[:, :, r:r + 1, c]
                tiles[r * (kh + 1):r * (kh + 1) + kh, c * (kw + 1):c * (kw + 1) + kw] = patch
    else:
        return None
    low, high = tiles.min(), tiles.max()
    return (tiles - low) / (high - low) if high > low else np.zeros_like(tiles)


def graph_def(model):
    """The model's layer graph as a TensorFlow ``GraphDef``: one node per layer,
    its class name as the op, its inbound layers as inputs."""
    from tensorboardX.proto import graph_pb2, node_def_pb2, versions_pb2
    nodes = []
    layers = getattr(model, '_layers', None) or model.layers
    calls = {id(n) for n in getattr(model, '_nodes', ())}
    for layer in layers:
        inputs = []
        for node in layer._inbound_nodes:
            if id(node) in calls:
                inputs.extend(t.node.layer.name for t in node.input_tensors if t.node is not None)
        nodes.append(node_def_pb2.NodeDef(name=layer.name, op=type(layer).__name__,
                                          input=list(dict.fromkeys(inputs))))
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))


class TensorBoard(Callback):
    """Write TensorBoard event files while ``fit`` runs.

    Arguments as Keras 2.3's: ``log_dir`` (the folder; ``train``/``validation``
    runs go below it), ``histogram_freq`` (every how many epochs to write weight
    histograms; 0 for never), ``batch_size`` (ignored), ``write_graph``,
    ``write_grads`` (ignored), ``write_images`` (weights as images: kernels of
    Dense and convolution layers), ``embeddings_freq``,
    ``embeddings_layer_names`` (default: every Embedding layer),
    ``embeddings_metadata`` (a file of labels, one a line, or a dict layer name
    -> file), ``embeddings_data`` (ignored), ``update_freq`` ('epoch', 'batch'
    or an integer N: batch scalars every N batches).
    Under a distribution strategy only the chief (rank 0) writes.
    """

    chief_only = True

    def __init__(self, log_dir='./logs', histogram_freq=0, batch_size=32, write_graph=True, write_grads=False,
                 write_images=False, embeddings_freq=0, embeddings_layer_names=None, embeddings_metadata=None,
                 embeddings_data=None, update_freq='epoch'):
        super().__init__()
        self._tbx = _import_tensorboardx()
        for name, value in (('histogram_freq', histogram_freq), ('embeddings_freq', embeddings_freq)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError('TensorBoard: %s must be a non-negative integer (every how many epochs; 0 for '
                                 'never). Received: %s=%r.' % (name, name, value))
        if update_freq == 'batch':
            update_freq = 1
        if update_freq != 'epoch' and (isinstance(update_freq, bool) or not isinstance(update_freq, int)
                                       or update_freq < 1):
            raise ValueError("TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer (write "
                             "every N batches). Received: update_freq=%r." % (update_freq,))
        if write_grads:
            warnings.warn('TensorBoard: write_grads=True is ignored; kcore writes weight histograms only, as '
                          'Keras 2.3 does on TensorFlow 2.', UserWarning, stacklevel=2)
        if embeddings_data is not None:
            warnings.warn('TensorBoard: embeddings_data is ignored; kcore shows the Embedding layers\' weight '
                          'matrices in the projector, as Keras 2.3 does on TensorFlow 2.', UserWarning,
                          stacklevel=2)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.batch_size = batch_size
        self.write_graph = write_graph
        self.write_grads = write_grads
        self.write_images = write_images
        self.embeddings_freq = embeddings_freq
        self.embeddings_layer_names = embeddings_layer_names
        self.embeddings_metadata = embeddings_metadata
        self.embeddings_data = embeddings_data
        self.update_freq = update_freq
        self._writers = {}
        self._batches_seen = 0

    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = self._tbx.SummaryWriter(logdir=os.path.join(self.log_dir, run), flush_secs=10,
                                                         filename_suffix=_unique_suffix())
        return self._writers[run]

    def set_model(self, model):
        super().set_model(model)
        if self.write_graph and (getattr(model, '_layers', None) or getattr(model, 'layers', None)):
            writer = self._tbx.FileWriter(os.path.join(self.log_dir, 'train'),
                                          filename_suffix=_unique_suffix('.graph'))
            from tensorboardX.proto.event_pb2 import Event
            writer.add_event(Event(graph_def=graph_def(model).SerializeToString()))
            writer.close()

    def on_train_begin(self, logs=None):
        # count on from the optimizer's steps, so a second fit() continues the batch curves
        self._batches_seen = int(getattr(getattr(self.model, 'optimizer', None), 'iterations', 0) or 0)

    def on_train_batch_end(self, batch, logs=None):
        self._batches_seen += 1
        if self.update_freq != 'epoch' and self._batches_seen % self.update_freq == 0:
            writer = self._writer('train')
            for name, value in _scalars(logs):
                writer.add_scalar('batch_' + name, value, self._batches_seen)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train, val = self._writer('train'), None
        for name, value in _scalars(logs):
            if name.startswith('val_'):
                val = val or self._writer('validation')
                val.add_scalar('epoch_' + name[4:], value, epoch)
            elif name not in ('lr', 'learning_rate'):
                train.add_scalar('epoch_' + name, value, epoch)
        rate = logs.get('learning_rate', logs.get('lr', _current_rate(self.model)))
        if rate is not None:
            train.add_scalar('epoch_learning_rate', float(rate), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(train, epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._write_embeddings(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _write_weights(self, writer, epoch):
        for tag, value in named_weights(self.model):
            writer.add_histogram(tag, np.asarray(value, dtype=np.float64), epoch)
            if self.write_images:
                image = kernel_image(value)
                if image is not None:
                    writer.add_image(tag + '/image', image, epoch, dataformats='HWC')

    def _write_embeddings(self, epoch):
        wanted = self.embeddings_layer_names
        for layer in self.model.layers:
            if (layer.name in wanted) if wanted else type(layer).__name__ == 'Embedding':
                matrix = np.asarray(layer.get_weights()[0])
                labels = self._metadata(layer.name, matrix.shape[0])
                self._writer('train').add_embedding(matrix, metadata=labels, global_step=epoch, tag=layer.name)

    def _metadata(self, layer_name, rows):
        path = self.embeddings_metadata
        if isinstance(path, dict):
            path = path.get(layer_name)
        if path is None:
            return None
        with open(path, encoding='utf-8') as f:
            labels = [line.rstrip('\n') for _, line in zip(range(rows + 1), f)]
        if len(labels) != rows:
            raise ValueError('TensorBoard: embeddings_metadata %r must have one label per row of layer %r\'s '
                             'embedding matrix. Expected %d lines. Received: %s.'
                             % (path, layer_name, rows, len(labels) if len(labels) <= rows else 'more'))
        return labels

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def get_config(self):
        return {'log_dir': self.log_dir, 'histogram_freq': self.histogram_freq, 'batch_size': self.batch_size,
                'write_graph': self.write_graph, 'write_grads': self.write_grads,
                'write_images': self.write_images, 'embeddings_freq': self.embeddings_freq,
                'embeddings_layer_names': self.embeddings_layer_names,
                'embeddings_metadata': self.embeddings_metadata, 'update_freq': self.update_freq}


def _scalars(logs):
    """The numeric entries of ``logs`` as (name, float)."""
    for name, value in (logs or {}).items():
        if name in ('batch', 'size'):
            continue
        value = np.asarray(value)
        if value.size == 1 and value.dtype.kind in 'fiub':
            yield name, float(value)


def _current_rate(model):
    optimizer = getattr(model, 'optimizer', None)
    rate = getattr(optimizer, 'learning_rate', None)
    try:
        return float(rate) if rate is not None else None
    except (TypeError, ValueError):
        return None
