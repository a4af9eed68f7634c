"""kcore-mylayer: an example third-party plugin, written as a user would write one.

It provides the Keras tutorial's ``MyLayer`` (a bias-free dense layer), the
pinball (quantile) loss and the Lion optimizer, registered through kcore's
entry points; its tests use only kcore's public API, ``kcore.testing`` and
hypothesis.
"""
