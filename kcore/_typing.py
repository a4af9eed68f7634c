"""Type aliases for the annotations of kcore's public API (imports nothing from kcore)."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

#: one tensor's shape, the batch axis first; ``None`` for a size not known yet
Shape = Tuple[Optional[int], ...]
#: what ``build``/``compute_output_shape`` receive: one shape, or a list for several inputs
ShapeLike = Union[Shape, List[Shape]]
#: data a layer or ``K`` op accepts: NumPy/CuPy arrays, kcore Tensors, nested lists, numbers
TensorLike = Any
#: a file to save to or load from
PathLike = Union[str, os.PathLike]
#: the dict a training step and the callbacks pass around: name -> value
Logs = Dict[str, float]
#: the callback every plugin hook receives: ``register(obj, name=None, aliases=(), **meta)``
Register = Callable[..., None]

__all__ = ['Shape', 'ShapeLike', 'TensorLike', 'PathLike', 'Logs', 'Register']
