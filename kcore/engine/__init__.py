"""Legacy Keras 2 module paths (``keras.engine``): ``topology``, ``base_layer``,
``input_layer``, ``training`` and ``sequential`` re-export kcore's classes."""
