"""Reading an untrusted model file without letting it act.

The lessons of Keras's loading CVEs, each a rule here:

* CVE-2024-3660, CVE-2025-9905: a Lambda layer's function travels as Python
  bytecode, and ``safe_mode`` was ignored for HDF5 files.  Here every file is
  scanned for code before anything is built; with ``safe_mode=True`` (the
  default) code is refused, whatever the file's format or extension.
* CVE-2025-1550: a config named a module and a function, which the loader
  imported and called.  Here names resolve only through kcore's registries
  (``serialization.deserialize``); ``module`` keys in a file are ignored.
* CVE-2025-9906: a config switched safe mode off while loading.  Here safe mode
  is set only from ``load_model``'s argument (through
  ``kcore.layers.lambda_layer.safe_mode_scope``, the one switch the Lambda layer
  reads); nothing in a file is consulted, and kcore has no global "unsafe" switch.
* CVE-2026-0897: a dataset declared an enormous shape and the loader allocated
  it.  Here a dataset's shape and dtype are compared with the weight it is
  meant for before a byte is read, and storage that the file does not hold is
  refused.
* CVE-2026-1669: HDF5 external storage made the loader read another file.  Here
  external links, external storage, virtual datasets, soft links leaving their
  group and object references are refused.

Issue 15's attacks, each a rule too:

* one changed byte in a global heap made libhdf5 loop forever: kcore files
  carry a whole-file SHA-256 in the HDF5 user block, checked before HDF5 parses
  anything (``integrity``), and every file is walked first by a forked helper
  with a time and memory limit (``preflight``);
* tiny files that made kcore allocate gigabytes: the weight budget counts the
  bytes a file stores, not declares, compressed data has a decompression
  budget, partially stored datasets are refused, shape inference has a cap on
  stand-in data, configs are parsed within limits (``config_limits``);
* a Lambda naming ``K.set_epsilon``: safe mode allows only pure functions
  (``kcore.layers.lambda_layer.PURE_FUNCTIONS``), and a failed load restores
  every process-wide setting (``state_guard``);
* a plugin replacing ``Dense``: ``kcore.plugins.trust``.

This module holds the config rules; ``h5_reader.H5Reader`` (the only way the
loaders touch an HDF5 file) holds the file rules.
"""
from kcore.errors import SavingError


class UnsafeContentError(SavingError):
    """The file holds code, or points outside itself; kcore refuses to follow."""


# -- code in configs -----------------------------------------------------------------------
def _code_marks(node):
    """Why the config dict ``node`` carries Python code (bytecode), or None.

    kcore's own Lambda configs hold only names (strings); Keras 2 stores a
    lambda as a marshalled ``[code, defaults, closure]`` list and Keras 3 as a
    ``{'class_name': '__lambda__'}`` dict.
    """
    if node.get('class_name') == '__lambda__':
        return 'a Python lambda stored as bytecode (Keras 3)'
    for key in ('function', 'output_shape', 'mask'):
        if node.get(key + '_type') == 'lambda' and not isinstance(node.get(key), (str, type(None))):
            return 'its %r stored as Python bytecode (Keras 2)' % key
    if node.get('class_name') == 'Lambda':
        cfg = node.get('config')
        if isinstance(cfg, dict) and isinstance(cfg.get('function'), list):
            return 'its function stored as Python bytecode'
    return None


def find_code(config):
    """``[(where, why)]`` for every part of a config that holds Python code.

    ``where`` names the innermost object around it (``Lambda 'lambda_1'``), or
    the path in the config when no object encloses it.  The path is kept as a
    chain of (parent, key) links and spelled out only for a finding, so a wide
    config costs memory in its number of nodes, not in nodes x path length.
    """
    found = []
    stack = [(config, None, None)]
    while stack:
        node, link, owner = stack.pop()
        if isinstance(node, dict):
            inner = node.get('config')
            if isinstance(node.get('class_name'), str) and isinstance(inner, dict) and inner.get('name'):
                owner = '%s %r' % (node['class_name'], inner['name'])
            why = _code_marks(node)
            if why:
                found.append((owner or _spell(link), why))
            stack.extend((v, (link, k), owner) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (link, i), owner) for i, v in enumerate(node))
    return found


def _spell(link):
    """'the config.layers[0].config' from a chain of (parent, key) links."""
    parts = []
    while link is not None:
        link, key = link
        parts.append('[%d]' % key if isinstance(key, int) else '.%s' % key)
    return 'the config' + ''.join(reversed(parts))


def check_no_code(config, safe_mode, filepath):
    """In safe mode, refuse a config that holds Python bytecode, before anything is built."""
    if not safe_mode:
        return
    found = find_code(config)
    if found:
        where, why = found[-1]
        raise UnsafeContentError(
            'Refusing to load %r: %s holds %s, and restoring it would run code from the file. kcore does '
            'not run code from a model file. Rebuild that layer in code (with its function written out), '
            'then load the weights with model.load_weights(path). (Custom layers of your own that restore '
            'code themselves can be loaded with safe_mode=False, if you trust the file.)'
            % (filepath, where, why))
