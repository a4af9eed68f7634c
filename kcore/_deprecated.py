"""Every legacy Keras 1/2 spelling kcore still accepts, with its new spelling.

Old tutorials (the seeds among them) use ``Dense(output_dim=...)``,
``fit(nb_epoch=...)``, ``init=`` and friends.  They keep working, with one
warning that names the modern spelling.  Keeping them all here makes the list
easy to read and easy to retire.
"""
import warnings


class KcoreDeprecationWarning(FutureWarning):
    """A legacy spelling that still works; shown to end users by default."""


# legacy keyword -> modern keyword, per callable (as Keras 2's legacy interfaces did)
RENAMED_KWARGS = {
    'Dense': {'output_dim': 'units', 'init': 'kernel_initializer',
              'W_regularizer': 'kernel_regularizer', 'b_regularizer': 'bias_regularizer',
              'W_constraint': 'kernel_constraint', 'b_constraint': 'bias_constraint',
              'bias': 'use_bias'},
    'Dropout': {'p': 'rate'},
    'Embedding': {'W_regularizer': 'embeddings_regularizer', 'W_constraint': 'embeddings_constraint',
                  'init': 'embeddings_initializer'},
    'fit': {'nb_epoch': 'epochs'},
    'fit_generator': {'nb_epoch': 'epochs', 'samples_per_epoch': 'steps_per_epoch',
                      'nb_val_samples': 'validation_steps'},
    'evaluate_generator': {'val_samples': 'steps'},
    'predict_generator': {'val_samples': 'steps'},
    'Conv2D': {'nb_filter': 'filters', 'subsample': 'strides', 'border_mode': 'padding',
               'init': 'kernel_initializer', 'dim_ordering': 'data_format'},
    'MaxPooling2D': {'border_mode': 'padding', 'dim_ordering': 'data_format'},
    'AveragePooling2D': {'border_mode': 'padding', 'dim_ordering': 'data_format'},
}


def warn_renamed(old, new, stacklevel=3):
    warnings.warn('%s is deprecated; use %s instead.' % (old, new),
                  KcoreDeprecationWarning, stacklevel=stacklevel)


def rename_kwargs(owner, kwargs, stacklevel=4):
    """Rewrite legacy keywords of ``owner`` in ``kwargs`` (in place), warning once each.

    Raises TypeError when both spellings are given.
    """
    table = RENAMED_KWARGS.get(owner)
    if not table:
        return kwargs
    for old, new in table.items():
        if old in kwargs:
            if new in kwargs:
                raise TypeError('%s: got both the legacy argument %r and its replacement %r; '
                                'pass only %r.' % (owner, old, new, new))
            warn_renamed('%s(%s=...)' % (owner, old), '%s(%s=...)' % (owner, new),
                         stacklevel=stacklevel)
            kwargs[new] = kwargs.pop(old)
    return kwargs
