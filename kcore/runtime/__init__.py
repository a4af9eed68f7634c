"""The runtime under every layer and model: the device (``device``), the learning
phase (``phase``), random generators (``rng``), the ops on tensors (``ops``) and the
``K`` functions about values and state (``state``).

kcore's own modules import these directly; users reach them through the facade
``kcore.backend`` (``K``), which sits on the top floor with the graph functions
(``K.function``, ``K.placeholder``).  See docs/architecture.md.
"""
