"""Legacy Keras 2 module path (``keras.engine``)."""
