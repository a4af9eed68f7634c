"""Keras 2's loops over a leading axis as ``K`` functions: ``rnn``, ``map_fn``, ``foldl`` and
``foldr``.  kcore runs eagerly, so each is a Python loop over tensor ops and autodiff records
every step: gradients flow through the loop with no symbolic ``while``."""
from kcore.runtime import ops, state


def _check_step(owner, result):
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError('%s: step_function must return (output, new_states). Expected a pair. Received: %r. '
                        'Return the step output and the list of new states.' % (owner, type(result).__name__))
    output, new_states = result
    return output, list(new_states) if isinstance(new_states, (tuple, list)) else [new_states]


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None, unroll=False,
        input_length=None):
    """Iterate ``step_function(input_t, states + constants) -> (output_t, new_states)`` over the time
    axis (axis 1) of ``inputs``; return ``(last_output, outputs, new_states)`` as Keras 2 does.

    ``mask`` (``(samples, time)``) keeps the previous output and states at masked steps (the first
    previous output is zeros).  ``go_backwards`` walks the time axis from the end; ``outputs`` are
    stacked in the order they were computed.  ``unroll`` and ``input_length`` change nothing in an
    eager framework (every loop is unrolled) and are accepted for Keras 2 scripts.
    """
    inputs = ops.to_tensor(inputs)
    if inputs.ndim < 3:
        raise ValueError('K.rnn: inputs must be at least 3D (samples, time, ...). Received: inputs.shape=%s. '
                         'Add a time axis.' % (tuple(inputs.shape),))
    steps = inputs.shape[1]
    if steps == 0:
        raise ValueError('K.rnn: inputs have no time steps. Received: inputs.shape=%s.' % (tuple(inputs.shape),))
    states = list(initial_states)
    constants = list(constants or [])
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    masks = None
    if mask is not None:
        masks = ops.as_array(mask).astype(bool)
        if masks.ndim == 3 and masks.shape[-1] == 1:
            masks = masks[..., 0]
        if tuple(masks.shape) != tuple(inputs.shape[:2]):
            raise ValueError('K.rnn: mask must have shape (samples, time) = %s. Received: mask.shape=%s.'
                             % (tuple(inputs.shape[:2]), tuple(masks.shape)))
    outputs, prev_output = [], None
    for t in order:
        output, new_states = _check_step('K.rnn', step_function(inputs[:, t], states + constants))
        if len(new_states) != len(states):
            raise ValueError('K.rnn: step_function returned %d states; initial_states has %d. Return one new '
                             'state per initial state.' % (len(new_states), len(states)))
        if masks is not None:
            keep = masks[:, t]
            if prev_output is None:
                prev_output = state.zeros_like(output)
            output = ops.switch(keep, output, prev_output)
            new_states = [ops.switch(keep, new, old) for new, old in zip(new_states, states)]
        outputs.append(output)
        prev_output, states = output, new_states
    return outputs[-1], ops.stack(outputs, axis=1), states


def map_fn(fn, elems, name=None, dtype=None):
    """``fn`` applied to each slice ``elems[i]`` of the first axis, the results stacked."""
    elems = ops.to_tensor(elems)
    results = [fn(elems[i]) for i in range(elems.shape[0])]
    if not results:
        raise ValueError('K.map_fn: elems has no elements along axis 0. Received: elems.shape=%s.'
                         % (tuple(elems.shape),))
    stacked = ops.stack(results, axis=0)
    return stacked if dtype is None else ops.cast(stacked, dtype)


def _fold(owner, fn, elems, initializer, indices):
    indices = list(indices)
    if initializer is None:
        if not indices:
            raise ValueError('%s: elems is empty and there is no initializer. Received: elems.shape=%s. '
                             'Pass initializer=.' % (owner, tuple(elems.shape)))
        accumulator, indices = elems[indices[0]], indices[1:]
    else:
        accumulator = initializer
    for i in indices:
        accumulator = fn(accumulator, elems[i])
    return accumulator


def foldl(fn, elems, initializer=None, name=None):
    """``fn(accumulator, elems[i])`` from the first element to the last; without ``initializer`` the
    first element starts the accumulator."""
    elems = ops.to_tensor(elems)
    return _fold('K.foldl', fn, elems, initializer, range(elems.shape[0]))


def foldr(fn, elems, initializer=None, name=None):
    """``foldl`` from the last element to the first."""
    elems = ops.to_tensor(elems)
    return _fold('K.foldr', fn, elems, initializer, range(elems.shape[0] - 1, -1, -1))


__all__ = ['rnn', 'map_fn', 'foldl', 'foldr']
