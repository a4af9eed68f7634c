"""Keras 2.3.1's public surface (``tests/fixtures/keras-2.3.1-api.md``) checked against kcore.

The listing names every module a Keras 2.3.1 script can import and what each
one defines or imports.  ``keras.X`` maps to ``kcore.X``; a module must import
and every listed name must be an attribute of it.  What is not checked is
written down here with its reason:

* ``OTHER_ISSUES``: whole sections that other issues own (datasets,
  preprocessing, applications); reported on their own line, never as failures.
* ``MODULE_MAP``: Keras modules whose names kcore keeps elsewhere.
* names imported from outside Keras (``tensorflow``, ``numpy``, the standard
  library) are Keras's implementation, not its API, and are not checked;
* ``EXCLUDED_NAMES``: single names, each with the reason.

Run ``python tests/helpers/keras_api.py`` for the coverage figures and the
list of what is missing; ``--write-missing`` rewrites ``KNOWN_MISSING`` (the
names still to do, which ``tests/test_keras_api_listing.py`` holds kcore to).
"""
import collections
import importlib
import os
import re

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures')
LISTING = os.path.join(FIXTURES, 'keras-2.3.1-api.md')
#: ``module name`` lines: what is known to be missing today (shrinks as names are added)
KNOWN_MISSING = os.path.join(FIXTURES, 'keras-2.3.1-missing.txt')

#: module prefixes owned by other issues (reported separately)
OTHER_ISSUES = ('keras.datasets', 'keras.preprocessing', 'keras.applications', 'keras_preprocessing',
                'keras_applications')

#: Keras module -> (kcore module, reason)
MODULE_MAP = {
    'keras.backend.tensorflow_backend': (
        'kcore.backend', 'kcore has no TensorFlow backend; the functions of the default backend are K itself'),
    'keras.backend.load_backend': (
        'kcore.backend', 'the backend loader of Keras; kcore.backend is the active backend\'s K'),
    'keras.backend.common': ('kcore.backend', 'kcore keeps the common K settings in kcore.backend'),
}

#: (keras module or '*', name) -> reason it is not checked
EXCLUDED_NAMES = {
    ('*', 'interfaces'): 'keras.legacy.interfaces is Keras 1 argument-conversion machinery; kcore converts '
                         'legacy arguments in kcore._deprecated',
    ('*', 'six'): 'Python 2 compatibility library imported by Keras',
    ('*', 'func_dump'): 'marshals Python bytecode into configs; kcore never runs code read from a file '
                        '(see kcore.utils.generic_utils)',
    ('*', 'func_load'): 'runs marshalled Python bytecode read from a config; kcore never runs code read '
                        'from a file (see kcore.utils.generic_utils)',
    ('keras.optimizers', 'TFOptimizer'): 'wraps a TensorFlow optimizer; kcore has no TensorFlow',
}
EXCLUDED_NAMES.update({('keras.backend.tensorflow_backend', name): 'a TensorFlow session/graph handle; kcore has '
                       'no TensorFlow graph or session' for name in
                       ('get_session', 'set_session', 'get_graph', 'v1_variable_initialization', 'is_symbolic')})

_HEADER = re.compile(r'^## `([\w.]+)`')
_FROM = re.compile(r'^- from `([\w.]*)`: (.*)$')
_DEF = re.compile(r'^- (?:def|class) `(\w+)')
_ALIAS = re.compile(r'^- `(\w+) = ')
_REEXPORT = re.compile(r'^- re-exports everything from `([\w.]+)`')

Entry = collections.namedtuple('Entry', 'module name source')


def _resolve(module, relative, is_package):
    """``keras.objectives`` + ``.losses`` -> ``keras.losses``, as Python resolves a relative
    import inside ``module`` (a package's ``__init__`` counts as the package itself)."""
    dots = len(relative) - len(relative.lstrip('.'))
    parts = module.split('.')
    base = parts[:len(parts) - dots + (1 if is_package else 0)]
    rest = relative[dots:]
    return '.'.join(base + ([rest] if rest else []))


def parse(path=LISTING):
    """The listing as ``{module: [Entry, ...]}``; ``source`` is None for a name the module
    defines, else the module it is imported from (absolute, or relative as written)."""
    sections = collections.OrderedDict()
    reexports = {}
    module = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            m = _HEADER.match(line)
            if m:
                module = m.group(1)
                sections[module] = []
                continue
            if module is None or not line.startswith('- '):
                continue  # the preamble, and the methods of a class (indented)
            m = _FROM.match(line)
            if m:
                for name in re.findall(r'`(\w+)`', m.group(2)):
                    sections[module].append(Entry(module, name, m.group(1)))
                continue
            m = _DEF.match(line) or _ALIAS.match(line)
            if m:
                sections[module].append(Entry(module, m.group(1), None))
                continue
            m = _REEXPORT.match(line)
            if m:
                reexports[module] = m.group(1)
                continue
            raise ValueError('keras_api: cannot read this line of the listing under %s: %r' % (module, line))
    for module, relative in reexports.items():
        is_package = any(other.startswith(module + '.') for other in sections)
        target = _resolve(module, relative, is_package)
        for e in sections.get(target, ()):
            sections[module].append(Entry(module, e.name, relative))
    return sections


def is_keras_source(source):
    return source is None or source.startswith('.') or source.split('.')[0] in ('keras',)


def kcore_module(keras_module):
    if keras_module in MODULE_MAP:
        return MODULE_MAP[keras_module][0]
    return 'kcore' + keras_module[len('keras'):]


def excluded_reason(entry):
    if not is_keras_source(entry.source):
        return 'imported from %s, outside Keras: an implementation detail, not Keras\'s API' % entry.source
    return EXCLUDED_NAMES.get((entry.module, entry.name)) or EXCLUDED_NAMES.get(('*', entry.name))


def other_issue(keras_module):
    return any(keras_module == p or keras_module.startswith(p + '.') for p in OTHER_ISSUES)


Result = collections.namedtuple('Result', 'modules_ok modules_missing names_ok names_missing excluded')


def check(sections, count_module=lambda module: True):
    """Import every module and look every name up; returns a ``Result`` of lists.  Modules for
    which ``count_module`` is false are imported for their names but not counted."""
    modules_ok, modules_missing, names_ok, names_missing, excluded = [], [], [], [], []
    for keras_module, entries in sections.items():
        target = kcore_module(keras_module)
        try:
            mod = importlib.import_module(target)
        except ImportError as e:
            if count_module(keras_module):
                modules_missing.append((keras_module, '%s: %s' % (target, e)))
            mod = None
        else:
            if count_module(keras_module):
                modules_ok.append(keras_module)
        for entry in entries:
            reason = excluded_reason(entry)
            if reason:
                excluded.append((entry, reason))
            elif mod is not None and _has(mod, entry.name):
                names_ok.append(entry)
            else:
                names_missing.append(entry)
    return Result(modules_ok, modules_missing, names_ok, names_missing, excluded)


def _has(mod, name):
    try:
        getattr(mod, name)
    except (AttributeError, ImportError):
        return False
    return True


def split(sections):
    """(ours, theirs): the sections this project checks and those of other issues."""
    ours, theirs = collections.OrderedDict(), collections.OrderedDict()
    for module, entries in sections.items():
        if other_issue(module):
            theirs[module] = entries
            continue
        ours[module] = [e for e in entries if not other_issue(module + '.' + e.name)]
        moved = [e for e in entries if other_issue(module + '.' + e.name)]
        if moved:  # `keras.datasets` as a name of `keras`
            theirs[module] = moved
    return ours, theirs


def figures(result):
    n_mod = len(result.modules_ok) + len(result.modules_missing)
    n_names = len(result.names_ok) + len(result.names_missing)
    return ('modules %d/%d (%.1f%%), names %d/%d (%.1f%%), %d names excluded with a reason'
            % (len(result.modules_ok), n_mod, 100.0 * len(result.modules_ok) / max(n_mod, 1),
               len(result.names_ok), n_names, 100.0 * len(result.names_ok) / max(n_names, 1),
               len(result.excluded)))


def report():
    sections = parse()
    ours, theirs = split(sections)
    mine, others, everything = check(ours), check(theirs, other_issue), check(sections)
    lines = ['Keras 2.3.1 surface in kcore',
             '  without datasets/preprocessing/applications: ' + figures(mine),
             '  datasets/preprocessing/applications (other issues): ' + figures(others),
             '  everything: ' + figures(everything)]
    for module, why in mine.modules_missing:
        lines.append('  missing module %s (%s)' % (module, why))
    by_module = collections.OrderedDict()
    for e in mine.names_missing:
        by_module.setdefault(e.module, []).append(e.name)
    for module, names in by_module.items():
        lines.append('  missing in %s: %s' % (kcore_module(module), ', '.join(names)))
    return '\n'.join(lines)


def missing_lines(result):
    """``keras.module name`` per missing name, and ``keras.module *`` per missing module."""
    lines = ['%s *' % module for module, _ in result.modules_missing]
    lines += ['%s %s' % (e.module, e.name) for e in result.names_missing]
    return sorted(set(lines))


def read_known_missing():
    with open(KNOWN_MISSING, encoding='utf-8') as f:
        return sorted({line.strip() for line in f if line.strip() and not line.startswith('#')})


def write_known_missing(lines):
    with open(KNOWN_MISSING, 'w', encoding='utf-8') as f:
        f.write('# Names of keras-2.3.1-api.md that kcore does not have yet (issue 19), outside\n'
                '# datasets/preprocessing/applications.  Regenerate: python tests/helpers/keras_api.py '
                '--write-missing\n')
        f.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    import sys
    if '--write-missing' in sys.argv:
        write_known_missing(missing_lines(check(split(parse())[0])))
    print(report())
