"""Training cases run twice: under ``mpiexec -n 2`` with ``MPIDataParallel``, and
in one process without any strategy.  Both must give the same numbers.

    mpiexec -n 2 python mpi_cases.py OUTDIR         # writes OUTDIR/results.npz from rank 0
    mpiexec -n 2 python mpi_cases.py OUTDIR fail    # rank 1 raises in the middle of fit
    mpiexec -n 2 python mpi_cases.py OUTDIR exit    # rank 1 calls sys.exit(0) in the middle of fit

Each rank builds its model from a different seed (``seed + rank``), so the
results only match if rank 0's weights were broadcast.
"""
import os
import sys
import warnings

import numpy as np

import kcore
from kcore import callbacks as cbs
from kcore.layers import LSTM, Conv2D, Dense, Flatten, MaxPooling2D
from kcore.training.data_checks import DataWarning

N = 69  # 4 batches of 16 and one of 5: the ranks get unequal slices of the last one


def data(kind):
    rs = np.random.RandomState(42)
    if kind == 'cnn':
        x = rs.rand(N, 8, 8, 1).astype('float32')
    elif kind == 'lstm':
        x = rs.rand(N, 5, 3).astype('float32')
    else:
        x = rs.rand(N, 8).astype('float32')
    if kind == 'lstm':
        return x, rs.rand(N, 1).astype('float32')
    return x, np.eye(3, dtype='float32')[rs.randint(0, 3, N)]


def build(kind, seed):
    kcore.utils.set_random_seed(seed)
    if kind == 'mlp':
        model = kcore.Sequential([Dense(16, activation='relu', input_shape=(8,)), Dense(3, activation='softmax')])
        model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
    elif kind == 'cnn':
        model = kcore.Sequential([Conv2D(4, 3, activation='relu', input_shape=(8, 8, 1)), MaxPooling2D(),
                                  Flatten(), Dense(3, activation='softmax')])
        model.compile(kcore.optimizers.SGD(0.1, momentum=0.9), 'categorical_crossentropy', metrics=['accuracy'])
    else:
        model = kcore.Sequential([LSTM(6, input_shape=(5, 3)), Dense(1)])
        model.compile('rmsprop', 'mse', metrics=['mae'])
    return model


def build_batchnorm(seed):
    from kcore.layers import BatchNormalization
    kcore.utils.set_random_seed(seed)
    model = kcore.Sequential([Dense(16, input_shape=(8,)), BatchNormalization(), Dense(3, activation='softmax')])
    model.compile('adam', 'categorical_crossentropy')
    return model


class Batches(kcore.utils.Sequence):
    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], self.y[s]


def endless(x, y, batch_size):
    while True:
        for i in range(0, len(x), batch_size):
            yield x[i:i + batch_size], y[i:i + batch_size]


def record(out, name, model, history=None):
    for i, w in enumerate(model.get_weights()):
        out['%s/w%d' % (name, i)] = w
    for key, values in (history.history if history is not None else {}).items():
        out['%s/%s' % (name, key)] = np.asarray(values, dtype='float64')


def run(strategy, seed, overlapping=None):
    """Every case; returns {name: array}.  ``overlapping``: a strategy that reduces in
    buckets during the backward pass, for the case 'overlap'."""
    out = {}
    for kind in ('mlp', 'cnn', 'lstm'):
        x, y = data(kind)
        model = _in_scope(strategy, build, kind, seed)
        h = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, validation_data=(x[:20], y[:20]))
        record(out, kind, model, h)
    x, y = data('cnn')
    model = _in_scope(overlapping, build, 'cnn', seed)  # buckets of 128 bytes: 2 per step
    record(out, 'overlap', model, model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0))
    x, y = data('mlp')
    # shuffled: every rank draws rank 0's permutation, i.e. the one process's
    model = _in_scope(strategy, build, 'mlp', seed)
    record(out, 'shuffled', model, model.fit(x, y, batch_size=16, epochs=2, verbose=0))
    # a Sequence, then a generator with steps_per_epoch; a last batch of one row leaves rank 1 without data
    model = _in_scope(strategy, build, 'mlp', seed)
    record(out, 'sequence', model, model.fit(Batches(x, y, 17), epochs=2, verbose=0,
                                             validation_data=Batches(x[:20], y[:20], 7)))
    model = _in_scope(strategy, build, 'mlp', seed)
    record(out, 'generator', model, model.fit(endless(x, y, 16), steps_per_epoch=5, epochs=2, verbose=0))
    # decisions: the LR is cut and training stops on the same epoch everywhere
    model = _in_scope(strategy, build, 'mlp', seed)
    h = model.fit(x, y, batch_size=16, epochs=6, shuffle=False, verbose=0, validation_data=(x[:20], y[:20]),
                  callbacks=[cbs.ReduceLROnPlateau('loss', factor=0.5, patience=0, min_delta=10),
                             cbs.EarlyStopping('val_loss', patience=1, min_delta=10), cbs.TerminateOnNaN()])
    record(out, 'decisions', model, h)
    out['decisions/lr'] = np.float64(model.optimizer.learning_rate)
    # evaluate and predict shard the data and gather it in order (batch_size 1: rank 1 is often empty)
    out['evaluate'] = np.asarray(model.evaluate(x, y, batch_size=10, verbose=0), dtype='float64')
    out['predict'] = model.predict(x, batch_size=10, verbose=0)
    out['predict_tiny'] = model.predict(x[:3], batch_size=1, verbose=0)
    # a NaN in rank 1's slice of the third batch: the merged loss is NaN everywhere, all stop there
    model = _in_scope(strategy, build, 'mlp', seed)
    bad = x.copy()
    bad[40] = np.nan
    with warnings.catch_warnings():  # fit first warns that x holds a NaN (DataWarning); the case is about
        warnings.simplefilter('ignore', DataWarning)  # what TerminateOnNaN does next
        model.fit(bad, y, batch_size=16, epochs=3, shuffle=False, verbose=0, callbacks=[cbs.TerminateOnNaN()])
    out['nan/iterations'] = np.array([model.optimizer.iterations])
    if strategy is not None:
        # BatchNormalization: local batch statistics (so not one process's numbers), but the
        # ranks keep identical weights and moving statistics (checked by rank_difference)
        model = _in_scope(strategy, build_batchnorm, seed)
        record(out, 'batchnorm', model, model.fit(x, y, batch_size=16, epochs=2, verbose=0))
    return out


def _in_scope(strategy, fn, *args):
    if strategy is None:
        return fn(*args)
    with strategy.scope():
        return fn(*args)


class ChiefOnlyMarker(cbs.Callback):
    chief_only = True

    def __init__(self, folder, rank):
        super().__init__()
        self.path = os.path.join(folder, 'chief_only_ran_on_rank%d' % rank)

    def on_train_begin(self, logs=None):
        open(self.path, 'w').close()


def main(folder, mode):
    strategy = kcore.distribute.MPIDataParallel(exit_timeout=3)
    if mode in ('fail', 'exit'):
        model = _in_scope(strategy, build, 'mlp', 0)
        x, y = data('mlp')

        class Boom(cbs.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if strategy.rank == 1 and batch == 2:
                    if mode == 'exit':
                        sys.exit(0)
                    raise RuntimeError('rank 1 fails on purpose')
        model.fit(x, y, batch_size=16, epochs=1000, verbose=0, callbacks=[Boom()])
        return
    overlapping = kcore.distribute.MPIDataParallel(overlap=True, bucket_mb=128 / 2 ** 20)
    out = run(strategy, seed=strategy.rank, overlapping=overlapping)
    model = _in_scope(strategy, build, 'mlp', strategy.rank)
    x, y = data('mlp')
    model.fit(x, y, epochs=1, verbose=1, callbacks=[ChiefOnlyMarker(folder, strategy.rank)])
    # every rank holds rank 0's weights: the largest difference over all ranks and cases
    mine = np.concatenate([np.ravel(v) for k, v in sorted(out.items())]).astype('float64')
    chief = mine.copy()
    strategy.comm.Bcast(chief, root=0)
    diff = np.array([np.abs(mine - chief).max()])
    strategy.comm.Allreduce(strategy._MPI.IN_PLACE, diff, op=strategy._MPI.MAX)
    out['rank_difference'] = diff
    out['size'] = np.array([strategy.size])
    if strategy.rank == 0:
        np.savez(os.path.join(folder, 'results.npz'), **out)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else 'train')
