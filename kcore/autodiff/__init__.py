"""Reverse-mode autodiff over the active backend's arrays.

``Tensor`` and ``Variable`` carry arrays; ``apply(kernel_name, *args)`` runs a
kernel and records it while gradients are on; ``gradients(loss, wrt)`` walks
the record back.  See ``tensor.py`` for the graph, ``primitives.py`` for the
kernels and their rules, ``fused.py`` for the composites a backend may fuse.
"""
from kcore.autodiff.tensor import (Node, Tensor, Variable, apply, enable_grad, gradients,
                                   is_recording, no_grad)
from kcore.autodiff.primitives import KERNELS, unbroadcast
from kcore.autodiff import fused  # noqa: F401,E402  (adds bias_activation to KERNELS)

__all__ = ['Tensor', 'Variable', 'Node', 'apply', 'gradients', 'no_grad', 'enable_grad',
           'is_recording', 'unbroadcast', 'KERNELS']
