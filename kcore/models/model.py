"""``Model``: a layer that can be trained, inspected and saved.

``Model(inputs, outputs)`` builds a functional model (``Functional``); a
subclass with its own ``call`` is a subclassed model.  Both get the training
API from ``Trainer`` and the inspection/saving API below.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Sequence

from kcore._typing import PathLike, ShapeLike, TensorLike
from kcore.autodiff.tensor import Tensor, no_grad
from kcore.runtime.device import ACTIVE
from kcore.errors import layer_prefix
from kcore.layers.base import Layer, _is_shape
from kcore.models.graph_config import functional_from_config
from kcore.models.keras2_loss_graph import loss_graph
from kcore.models.summary import print_summary
from kcore.models import yaml_format
from kcore.serialization import json_default, serialize
from kcore.training.trainer import Trainer


class Model(Trainer, Layer):
    """Group layers into an object with training and inference features.

    Two ways to make one, as in Keras::

        inputs = Input(shape=(784,))
        outputs = Dense(10, activation='softmax')(Dense(64, activation='relu')(inputs))
        model = Model(inputs=inputs, outputs=outputs)

        class MLP(Model):
            def __init__(self):
                super().__init__(name='mlp')
                self.hidden = Dense(64, activation='relu')
                self.out = Dense(10, activation='softmax')

            def call(self, inputs, training=None):
                return self.out(self.hidden(inputs))
    """

    _is_model = True

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or 'inputs' in kwargs or 'outputs' in kwargs):
            from kcore.models.functional import Functional
            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        if args or 'inputs' in kwargs or 'outputs' in kwargs:
            raise TypeError('%s: a subclassed model cannot pass inputs/outputs to Model.__init__; '
                            'define call() instead, or build Model(inputs, outputs) directly.'
                            % type(self).__name__)
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)

    # -- Keras 2's symbolic training tensors ----------------------------------------------
    @property
    def total_loss(self):
        """The compiled loss as a symbolic tensor (Keras 2): evaluate it, or its gradients, with
        ``K.function(model.inputs + model.sample_weights + model.targets, ...)``."""
        return loss_graph(self)[2]

    @property
    def targets(self):
        """One target placeholder per output, the inputs ``total_loss`` needs besides the model's."""
        return loss_graph(self)[0]

    @property
    def sample_weights(self):
        """One sample-weight placeholder ``(batch,)`` per output (feed ones for unweighted samples)."""
        return loss_graph(self)[1]

    # -- structure ------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The layers the model tracks as attributes, in the order they were set."""
        return self._sublayers()

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by ``name`` or by position ``index`` in ``model.layers``.

        Args:
            name: The layer's name.
            index: Its position in ``model.layers`` (negative counts from the end).

        Returns:
            The layer.

        Raises:
            ValueError: Both or neither given, no layer of that name, or the index out of range.
        """
        if index is not None and name is not None:
            raise ValueError('get_layer() takes name or index, not both. Received: name=%r, index=%r.'
                             % (name, index))
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError('get_layer(index=%d): %s has %d layers.'
                                 % (index, layer_prefix(self), len(layers)))
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError('No layer named %r in %s. Its layers are: %s.'
                             % (name, layer_prefix(self), ', '.join(repr(l.name) for l in layers)))
        raise ValueError('get_layer() needs a name or an index.')

    def build(self, input_shape: ShapeLike) -> None:
        """Create the weights of a subclassed model by running it once on stand-in data."""
        if self.built:
            return
        if type(self).call is Model.call:
            raise NotImplementedError('%s defines no call(); subclass Model and implement call(inputs).'
                                      % layer_prefix(self))

        def stand_in(shape):
            shape = tuple(1 if d is None else d for d in shape)
            return Tensor(ACTIVE.xp.zeros(shape, dtype=self.dtype))
        if _is_shape(input_shape):
            x = stand_in(input_shape)
        else:
            x = [stand_in(s) for s in input_shape]
        with no_grad():
            self.call(x)
        self.built = True

    def call(self, inputs: TensorLike, training: bool | None = None, mask: TensorLike | None = None) -> TensorLike:
        raise NotImplementedError('%s: subclassed models must implement call(inputs).' % layer_prefix(self))

    def reset_states(self) -> None:
        """Reset the states of every stateful layer (Keras 2's ``model.reset_states()``)."""
        for layer in self._all_sublayers():
            if getattr(layer, 'stateful', False) and hasattr(layer, 'reset_states'):
                layer.reset_states()

    def summary(self, line_length: int | None = None, positions: Sequence[float] | None = None,
                print_fn: Callable[[str], Any] | None = None, expand_nested: bool = False,
                show_trainable: bool = False) -> None:
        """Print a table of the layers, their output shapes and parameter counts.

        Args:
            line_length: The table's width in characters.
            positions: Where the columns end, as fractions of ``line_length`` or as characters.
            print_fn: Called with each line instead of ``print``.
            expand_nested: Also list the layers of nested models.
            show_trainable: Add a column saying whether each layer is trainable.
        """
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(
            '%s is a subclassed model: kcore cannot describe its architecture. Implement get_config() '
            '(returning its __init__ arguments) and register the class with kcore.plugins.register, '
            'or save only the weights with save_weights().' % layer_prefix(self))

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Model:
        """A functional config (``layers``, ``input_layers``, ``output_layers``) rebuilds a
        functional model; otherwise the config holds a subclass's ``__init__`` arguments."""
        if isinstance(config, dict) and {'layers', 'input_layers', 'output_layers'} <= set(config):
            from kcore.models.functional import Functional
            return functional_from_config(Functional if cls is Model else cls, config, custom_objects)
        return cls(**config)

    def to_json(self, **kwargs: Any) -> str:
        """The model's architecture as a JSON string (no weights).

        Args:
            **kwargs: Passed to ``json.dumps`` (e.g. ``indent=2``).

        Returns:
            A string that ``model_from_json`` turns back into a model.
        """
        return json.dumps(serialize(self), default=json_default, **kwargs)

    def to_yaml(self, **kwargs: Any) -> str:
        """The config as YAML (Keras 2; needs PyYAML); ``kwargs`` go to ``yaml.safe_dump``."""
        return yaml_format.dump(self.to_json(), **kwargs)

    # -- saving ---------------------------------------------------------------------
    # kcore.saving loads on the first save or load (h5py and the file code), not at ``import kcore``
    def save(self, filepath: PathLike, overwrite: bool = True, include_optimizer: bool = True,
             save_format: str | None = None) -> None:
        """Save the architecture, weights and optimizer state in one HDF5 file.

        The file is written atomically and carries a checksum that ``load_model`` verifies.

        Args:
            filepath: Where to write (a str or path); ``.h5``/``.hdf5`` by convention.
            overwrite: Replace an existing file; when False an existing file raises.
            include_optimizer: Also save the compile arguments and the optimizer's state.
            save_format: None, ``'h5'`` or ``'hdf5'``: kcore writes HDF5 only.

        Raises:
            SavingError: ``save_format`` names another format, or the model cannot be saved
                (e.g. a layer that cannot be rebuilt from its config).
        """
        from kcore import saving
        saving.save_model(self, filepath, overwrite=overwrite, include_optimizer=include_optimizer,
                   save_format=save_format)

    def save_weights(self, filepath: PathLike, overwrite: bool = True, save_format: str | None = None) -> None:
        """Save only the weights, in Keras's HDF5 weights layout.

        Args:
            filepath: Where to write (a str or path); ``.h5``/``.hdf5`` by convention.
            overwrite: Replace an existing file; when False an existing file raises.
            save_format: Accepted for Keras compatibility; the file is HDF5.

        Raises:
            SavingError: The model cannot be saved (e.g. it is not built).
        """
        from kcore import saving
        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: PathLike, by_name: bool = False, skip_mismatch: bool = False,
                     reshape: bool = False) -> Any:
        """Load weights saved by ``save_weights`` or ``model.save`` (kcore or Keras) into this model.

        Args:
            filepath: The HDF5 file.
            by_name: Match layers by name instead of by position (for a different model
                that shares some layers).
            skip_mismatch: With ``by_name``, skip layers whose weight count or shapes
                differ (with a warning) instead of raising.
            reshape: Reshape a saved array that has the right number of values but another
                shape (Keras 2.3).

        Returns:
            The number of arrays loaded.

        Raises:
            SavingError: The file is not a weights file, is damaged, or its weights do
                not fit this model.
        """
        from kcore import saving
        return saving.load_weights(self, filepath, by_name=by_name, skip_mismatch=skip_mismatch, reshape=reshape)
