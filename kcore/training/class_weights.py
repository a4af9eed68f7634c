"""``class_weight``: weights looked up from the targets' classes, multiplied into the sample weights.

This runs on the host, per batch, inside the data feed (``kcore.training.feed``), so that
``fit`` on arrays, on a generator or Sequence, and ``train_on_batch`` weight a batch the same
way.  Keras 2.3's rules: the class of a sample is the argmax of a one-hot target, or the
value of a class-index target (``(n,)`` or ``(n, 1)``); targets of three or more dimensions
are refused; every class in the data needs a weight.  A model with several outputs takes
one dict per output, as a list or a dict keyed by output name.
"""
import numpy as np

from kcore import config


def per_output(class_weight, output_names):
    """``class_weight`` spread over the outputs: a list with one ``{class: weight}`` dict (or None) each.

    Args:
        class_weight: None, a ``{class index: weight}`` dict, or for several outputs a list (one
            dict per output) or a dict keyed by output name.
        output_names: the model's output names, in order.

    Returns:
        None when there are no class weights, else a list as long as ``output_names``.

    Raises:
        ValueError: for a flat ``{class: weight}`` dict on a model with several outputs, a list
            of the wrong length, or anything that is not a dict.
    """
    if class_weight is None or (isinstance(class_weight, (dict, list, tuple)) and not len(class_weight)):
        return None
    names = list(output_names)
    if isinstance(class_weight, dict) and any(n in class_weight for n in names):
        unknown = sorted(str(k) for k in class_weight if k not in names)
        if unknown:
            raise ValueError('class_weight has key(s) %s that name no output. Expected keys among the output '
                             'names %s.' % (unknown, names))
        spread = [class_weight.get(n) for n in names]
    elif isinstance(class_weight, (list, tuple)):
        if len(class_weight) != len(names):
            raise ValueError('class_weight was a list of %d element(s), but the model has %d output(s) (%s). '
                             'Expected one {class: weight} dict (or None) per output.'
                             % (len(class_weight), len(names), ', '.join(names)))
        spread = list(class_weight)
    elif len(names) > 1:
        raise ValueError('A class_weight dict {class: weight} applies to a single output; this model has %d '
                         'outputs %s. Pass one dict per output: a list, or a dict keyed by output name '
                         '(class_weight={%r: {0: 1.0, 1: 2.0}}).' % (len(names), names, names[-1]))
    else:
        spread = [class_weight]
    for cw in spread:
        if cw is not None and not isinstance(cw, dict):
            raise ValueError('class_weight must be a dict {class index: weight}. Received: %r.' % (cw,))
    return None if all(cw is None for cw in spread) else spread


def _classes(y):
    """The class of each sample: argmax of one-hot rows, else the (rounded) index itself."""
    y = np.asarray(y)
    if y.ndim > 2:
        raise ValueError('class_weight is not supported for 3+ dimensional targets (Keras 2.3). Received targets '
                         'of shape %s. Pass sample_weight instead (with sample_weight_mode=\'temporal\' for one '
                         'weight per timestep).' % (y.shape,))
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=-1)
    return np.round(y.reshape(y.shape[0])).astype('int64')


def class_weights_to_sample_weights(y, class_weight):
    """One weight per sample from ``class_weight`` ({class index: weight}).

    Args:
        y: the targets of a batch (one-hot rows, or class indices of shape ``(n,)`` or ``(n, 1)``).
        class_weight: a dict from class index to weight.

    Returns:
        A ``floatx`` array of shape ``(n,)``.

    Raises:
        ValueError: when ``class_weight`` is not a dict, a key is not a class index, a class found
            in ``y`` has no weight, or ``y`` has three or more dimensions.
    """
    if not isinstance(class_weight, dict):
        raise ValueError('class_weight must be a dict {class index: weight}. Received: %r.' % (class_weight,))
    try:
        table = {int(k): float(v) for k, v in class_weight.items()}
    except (TypeError, ValueError):
        raise ValueError('class_weight must map class indices (integers) to weights (numbers). Received: %r.'
                         % (class_weight,)) from None
    classes = _classes(y)
    keys = np.array(sorted(table), dtype='int64')
    values = np.array([table[k] for k in keys.tolist()], dtype=config.floatx())
    index = np.searchsorted(keys, classes)
    found = (index < len(keys)) & (keys[np.minimum(index, len(keys) - 1)] == classes) if len(keys) else \
        np.zeros(classes.shape, bool)
    if not found.all():
        missing = sorted(set(classes[~found].tolist()))
        raise ValueError('class_weight must contain all classes in the data: no entry for class(es) %s found in '
                         'y. Expected a weight for every class. Received keys: %s.' % (missing, sorted(table)))
    return values[index]


def weight_batch(ys, sample_weights, class_weights):
    """Per-output sample weights of one batch with the class weights multiplied in.

    Args:
        ys: the batch's targets, one array (or None) per output.
        sample_weights: the batch's sample weights, one array (or None) per output.
        class_weights: one ``{class: weight}`` dict (or None) per output (see ``per_output``).

    Returns:
        A list of sample weights, one per output (None where an output has neither).

    Raises:
        ValueError: when an output with class weights has no targets in the batch.
    """
    out = []
    for y, sw, cw in zip(ys, sample_weights, class_weights):
        if cw is None:
            out.append(sw)
            continue
        if y is None:
            raise ValueError('class_weight needs targets, but a batch has none (y is None).')
        w = class_weights_to_sample_weights(y, cw)
        if sw is not None:
            sw = np.asarray(sw)
            w = (sw * w.reshape(w.shape + (1,) * (sw.ndim - 1))).astype(config.floatx(), copy=False)
        out.append(w)
    return out
