"""Keras 2's ``keras.legacy``: layers kept from Keras 1 (``kcore.legacy.layers``)."""
