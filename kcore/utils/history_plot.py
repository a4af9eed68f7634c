"""``plot_history``: the training curves people draw by hand after every ``fit``.

One panel per metric, the training curve and (when logged) the validation
curve together, epochs on the x axis.  Needs matplotlib
(``pip install "kcore[plot]"``).
"""


def _import_pyplot():
    try:
        from matplotlib import pyplot, ticker
    except ImportError as exc:
        raise ImportError('plot_history needs matplotlib, which is not installed. Install it with '
                          '`pip install "kcore[plot]"` (or `pip install matplotlib`).') from exc
    return pyplot, ticker


def _history_dict(history):
    logs = getattr(history, 'history', history)
    if not isinstance(logs, dict):
        raise TypeError('plot_history expects the History that fit() returns (or its .history dict). '
                        'Received: %r.' % (history,))
    return logs


def _metric_names(logs, metrics):
    if metrics is None:
        names = [k for k in logs if not k.startswith('val_') and k not in ('lr', 'learning_rate')]
        names += [k[4:] for k in logs if k.startswith('val_') and k[4:] not in logs]
        return names or list(logs)
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    for name in names:
        if name not in logs and 'val_' + name not in logs:
            raise ValueError('plot_history: metric %r was not logged. Expected one of %s. Received: '
                             'metrics=%r.' % (name, sorted(logs), metrics))
    return names


def plot_history(history, metrics=None, to_file=None, figsize=None, dpi=100):
    """Plot ``history`` (a ``History`` or its ``.history`` dict); returns the figure.

    ``metrics``: a name or a list of names (``'loss'``, ``'accuracy'``, ...);
    each gets a panel with its ``val_`` curve when there is one.  Default: every
    logged quantity.  ``to_file`` also saves the figure (the extension picks the
    format: png, svg, pdf, ...).  The figure is a pyplot figure, so
    ``plt.show()`` shows it; ``plt.close(fig)`` frees it.

    A validation curve logged less often than every epoch (``validation_freq``)
    is drawn against the validation runs' count, since the history does not
    record which epochs they were.
    """
    pyplot, ticker = _import_pyplot()
    logs = _history_dict(history)
    if not logs:
        raise ValueError('plot_history: the history is empty; fit() logged nothing to plot. Train for at '
                         'least one epoch first.')
    names = _metric_names(logs, metrics)
    if figsize is None:
        figsize = (6.0, 3.0 * len(names))
    fig, axes = pyplot.subplots(len(names), 1, figsize=figsize, dpi=dpi, squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        for key, style in ((name, '-'), ('val_' + name, '--')):
            if key in logs:
                values = [float(v) for v in logs[key]]
                ax.plot(range(1, len(values) + 1), values, style, marker='o', markersize=3, label=key)
        ax.set_title(name)
        ax.set_ylabel(name)
        ax.set_xlabel('epoch')
        ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    if to_file is not None:
        fig.savefig(to_file)
    return fig


__all__ = ['plot_history']
