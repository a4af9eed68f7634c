"""kcore-losses: the full loss catalogue beyond the core four.

Installing the package is enough: its plugin registers every loss by name
(``compile(loss='huber')``, ``kcore.losses.Huber``) and the matching metrics.
The objects are also importable from here (``from kcore_losses import Huber``).
"""
from kcore_losses.losses import (BinaryFocalCrossentropy, CategoricalFocalCrossentropy,  # noqa: F401
                                 CategoricalHinge, CosineSimilarity, Hinge, Huber, KLDivergence, LogCosh,
                                 MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
                                 Poisson, SquaredHinge, binary_focal_crossentropy,
                                 categorical_focal_crossentropy, categorical_hinge, cosine_similarity, hinge,
                                 huber, kl_divergence, log_cosh, mean_absolute_error,
                                 mean_absolute_percentage_error, mean_squared_logarithmic_error, poisson,
                                 squared_hinge)

__all__ = sorted(n for n in dir() if not n.startswith('_') and n not in ('losses', 'metrics'))
