"""Legacy Keras 2 module paths (``keras.engine``): ``topology``, ``base_layer``,
``input_layer``, ``network``, ``training``, ``training_utils``, ``training_arrays``,
``training_generator``, ``saving`` and ``sequential`` re-export kcore's classes."""
from kcore.layers import Input, InputLayer, InputSpec, Layer  # noqa: F401
from kcore.models import Model  # noqa: F401
from kcore.utils.layer_utils import get_source_inputs  # noqa: F401
