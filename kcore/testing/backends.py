"""Which device backends are registered and usable, for tests that run once per backend."""
from __future__ import annotations

from kcore import plugins
from kcore.errors import BackendError
from kcore.runtime.device import find_backend


def backend_names() -> list[str]:
    """Every registered backend by its canonical name (aliases left out), NumPy first.

    Returns:
        A list of names such as ``['numpy', 'cuda']``.
    """
    names = [e.name for e in plugins.registry('backends').entries() if e.alias_of is None]
    return sorted(names, key=lambda n: (n != 'numpy', n))


def usable_backends() -> list[str]:
    """The registered backends whose library and device work here (see ``backend_names``).

    Returns:
        A list of names.
    """
    usable = []
    for name in backend_names():
        try:
            find_backend(name)
        except BackendError:
            continue
        usable.append(name)
    return usable


def is_gpu(name: str) -> bool:
    """Whether backend ``name`` computes on a GPU (its ``device_type`` is 'gpu')."""
    return getattr(plugins.registry('backends').get(name), 'device_type', 'cpu') == 'gpu'
