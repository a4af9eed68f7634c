"""``multi_gpu_model``: data parallelism over the GPUs of one machine (Keras 2's contract).

The returned model trains the template model's own weights.  Each step splits the
batch into one contiguous slice per device; replica ``i`` (the template itself for
``i == 0``, clones elsewhere) runs forward and backward on its slice on device
``i``; the gradients are averaged, weighted by slice size, through
``kcore.distribute.averaging`` (one flat buffer per device, one NCCL all-reduce);
the optimizer updates the template on device 0 and the new weights are copied to
the other replicas.  ``predict``/``evaluate`` run the template on device 0.

How devices are driven is a ``Replicas`` object: ``CudaReplicas`` (CuPy device
contexts, peer copies, NCCL) on GPUs, ``HostReplicas`` (one device, the host
reducer) for the CPU, where the same code runs and is tested.
"""
import contextlib

from kcore.autodiff.tensor import Tensor, gradients, no_grad
from kcore.distribute.averaging import GradientBuffer, average_over_replicas, sum_in_place
from kcore.models import Model, clone_model
from kcore.runtime.device import ACTIVE, device
from kcore.runtime.phase import learning_phase_scope
from kcore.training import data as data_mod


class HostReplicas:
    """All replicas on the active (host) device: contexts do nothing, copies are assignments."""

    def __init__(self, count):
        self.count = count

    def context(self, i):
        return contextlib.nullcontext()

    def copy(self, dst, src):
        dst[...] = src

    def to_first(self, a):
        return a

    def allreduce_sum(self, buffers):
        sum_in_place(buffers)


class CudaReplicas:
    """Replica ``i`` on CUDA device ``i``: kcore device blocks, peer copies, NCCL all-reduce."""

    def __init__(self, count):
        import cupy
        from cupy.cuda import nccl
        self.cupy, self.nccl, self.count = cupy, nccl, count
        self.comms = nccl.NcclCommunicator.initAll(list(range(count)))

    def context(self, i):
        """The ``device('cuda:i')`` block: kcore's active backend and CuPy's current device."""
        return device('cuda:%d' % i)

    def copy(self, dst, src):
        src = src if src.flags.c_contiguous else self.cupy.ascontiguousarray(src)
        dst.data.copy_from_device(src.data, src.nbytes)

    def to_first(self, a):
        cupy = self.cupy
        if not isinstance(a, cupy.ndarray) or a.device.id == 0:
            return a
        with a.device:
            a = cupy.ascontiguousarray(a)
        with cupy.cuda.Device(0):
            out = cupy.empty(a.shape, a.dtype)
        out.data.copy_from_device(a.data, a.nbytes)
        return out

    def allreduce_sum(self, buffers):
        nccl = self.nccl
        kinds = {'float32': nccl.NCCL_FLOAT32, 'float64': nccl.NCCL_FLOAT64, 'float16': nccl.NCCL_FLOAT16}
        nccl.groupStart()
        for i, (comm, buf) in enumerate(zip(self.comms, buffers)):
            with self.cupy.cuda.Device(i):
                comm.allReduce(buf.data.ptr, buf.data.ptr, buf.size, kinds[str(buf.dtype)], nccl.NCCL_SUM,
                               self.cupy.cuda.get_current_stream().ptr)
        nccl.groupEnd()
        for i in range(len(buffers)):
            self.cupy.cuda.Device(i).synchronize()


def _slices(n, parts):
    """Contiguous row ranges, as equal as possible; empty ones dropped."""
    bounds = [n * i // parts for i in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _rows(structure, rows):
    from kcore.utils import nest
    return nest.map_structure(lambda a: None if a is None else a[rows], structure)


class _ReplicaState:
    """What the parallel model keeps beside its layers (a plain object: attributes of a
    model that are layers, lists or dicts would count the clones' weights as its own)."""

    def __init__(self, replicas):
        self.replicas, self.models, self.buffers = replicas, None, None


class DataParallelModel(Model):
    """The model ``multi_gpu_model`` returns: calls the template; trains it over replicas."""

    def __init__(self, template, replicas, name=None):
        super().__init__(name=name or template.name + '_parallel')
        self.template = template
        # the clones are not layers of this model: their weights are copies, not its own
        self._parallel = _ReplicaState(replicas)

    def call(self, inputs, training=None):
        return self.template(inputs, training=training)

    def _replica_models(self):
        state = self._parallel
        if state.models is None:
            devices = state.replicas
            models = [self.template]
            for i in range(1, devices.count):
                with devices.context(i):
                    clone = clone_model(self.template)
                    clone.compile('sgd', self.loss, loss_weights=self.loss_weights)
                    clone.set_weights(self.template.get_weights())
                models.append(clone)
            state.models = models
        return state.models

    def _sync_replicas(self):
        devices, models = self._parallel.replicas, self._parallel.models
        for i in range(1, len(models)):
            with devices.context(i), no_grad():
                for dst, src in zip(models[i].weights, self.template.weights):
                    devices.copy(dst.data, src.data)

    def train_step(self, data):
        x, y, sample_weight = data_mod.unpack(data)
        if data_mod.is_empty(x):
            return self._logs()
        if self._train_vars is None:
            self._cache_variables()
        devices = self._parallel.replicas
        models = self._replica_models()
        n = len(x[0]) if isinstance(x, (list, tuple)) else len(x)
        parts = _slices(n, devices.count)
        grads, samples, outs = [], [], []
        for i, rows in enumerate(parts):
            owner = self if i == 0 else models[i]
            with devices.context(i), learning_phase_scope(1):
                preds, targets, weights, loss, per_output = owner._forward_loss(
                    _rows(x, rows), _rows(y, rows), _rows(sample_weight, rows), training=True)
                if owner._train_vars is None:
                    owner._cache_variables()
                grads.append([None if g is None else (g.data if isinstance(g, Tensor) else g)
                              for g in gradients(loss, owner._train_vars)])
            samples.append(rows.stop - rows.start)
            outs.append((preds, targets, weights, loss, per_output))
        buffers = self._parallel.buffers
        if buffers is None or len(buffers) != len(parts) or not buffers[0].matches(self._train_vars):
            buffers = []
            for i in range(len(parts)):
                owner = self if i == 0 else models[i]
                with devices.context(i):
                    buffers.append(GradientBuffer([v.data for v in owner._train_vars], ACTIVE.xp))
            self._parallel.buffers = buffers
        reduce = devices.allreduce_sum if len(parts) > 1 else (lambda bufs: None)
        averaged = average_over_replicas(grads, samples, buffers, reduce)
        self.optimizer.apply_gradients(zip(averaged, self._train_vars))
        self._sync_replicas()
        return self._update_metrics(*self._merged(outs, samples, devices))

    def _merged(self, outs, samples, devices):
        """The replicas' predictions, targets and losses on the first device, as one batch."""
        xp = ACTIVE.xp
        total = float(sum(samples))

        def cat(tensors):
            return Tensor(xp.concatenate([devices.to_first(t.data) for t in tensors]))

        def mean(values):
            return Tensor(sum(devices.to_first(getattr(v, 'data', v)) * (s / total) for v, s in zip(values, samples)))
        preds = [cat([o[0][k] for o in outs]) for k in range(len(outs[0][0]))]
        targets = [cat([o[1][k] for o in outs]) for k in range(len(outs[0][1]))]
        weights = None if outs[0][2] is None else [cat([o[2][k] for o in outs]) for k in range(len(outs[0][2]))]
        loss = mean([o[3] for o in outs])
        per_output = [mean([o[4][k] for o in outs]) for k in range(len(outs[0][4]))]
        return targets, preds, weights, loss, per_output


def replicate(model, gpus, replicas=None):
    """``multi_gpu_model``'s work: a ``DataParallelModel`` over ``gpus`` replicas of ``model``."""
    return DataParallelModel(model, replicas or CudaReplicas(gpus))
