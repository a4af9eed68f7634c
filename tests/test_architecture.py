"""The layering of docs/architecture.md, checked on the source: no module imports a floor
above its own (module-level or deferred imports alike), and the import graph keeps at
most Keras's deliberate ``Model`` <-> ``Functional`` cycle."""
import importlib.util
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location('import_graph', ROOT / 'tools' / 'import_graph.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


import_graph = _tool()

#: floors, bottom to top; a module is on the floor of its longest matching prefix
FLOORS = [
    ('foundation', ['kcore._version', 'kcore._typing', 'kcore.errors', 'kcore.config', 'kcore._deprecated',
                    'kcore.utils.nest', 'kcore.utils.naming', 'kcore.utils.progbar', 'kcore._legacy_paths',
                    'kcore.utils.conv_utils']),
    ('plugins', ['kcore.plugins']),
    ('device', ['kcore.runtime', 'kcore.runtime.device', 'kcore.runtime.phase', 'kcore.runtime.rng']),
    ('autodiff', ['kcore.autodiff']),
    ('ops', ['kcore.runtime.ops', 'kcore.runtime.state', 'kcore.runtime.keras2_ops', 'kcore.runtime.control_flow',
             'kcore.runtime.ctc']),
    ('configs', ['kcore.serialization', 'kcore.recorded_config', 'kcore.activations', 'kcore.initializers',
                 'kcore.regularizers', 'kcore.constraints']),
    ('layers', ['kcore.layers', 'kcore.legacy']),
    ('saving', ['kcore.saving']),
    ('distribute', ['kcore.distribute']),
    ('training', ['kcore.training', 'kcore.utils', 'kcore.datasets', 'kcore.preprocessing']),
    ('models', ['kcore.models', 'kcore.utils.layer_utils', 'kcore.utils.test_utils']),
    ('facades', ['kcore', 'kcore.applications', 'kcore.backend', 'kcore.losses', 'kcore.metrics', 'kcore.optimizers',
                 'kcore.callbacks', 'kcore.engine', 'kcore._builtins', 'kcore.testing', 'kcore.cli',
                 'kcore.wrappers', 'kcore.objectives']),
]
RANK = {prefix: i for i, (_, prefixes) in enumerate(FLOORS) for prefix in prefixes}


def floor(module):
    parts = module.split('.')
    for n in range(len(parts), 0, -1):
        prefix = '.'.join(parts[:n])
        if prefix in RANK:
            return RANK[prefix]
    raise AssertionError('module %s is on no floor: add it to FLOORS and docs/architecture.md' % module)


EDGES = import_graph.collect(ROOT)


def test_every_module_has_a_floor():
    for module in import_graph.discover(ROOT):
        floor(module)


def test_no_module_imports_a_floor_above_its_own():
    upward = ['%s:%d (%s) imports %s (%s)' % (src, line, FLOORS[floor(src)][0], dst, FLOORS[floor(dst)][0])
              for src, dst, _, line in EDGES if floor(dst) > floor(src)]
    assert not upward, 'upward imports (see docs/architecture.md):\n' + '\n'.join(upward)


def test_the_only_import_cycle_is_model_and_functional():
    assert import_graph.cycles(EDGES) == [['kcore.models.functional', 'kcore.models.model']]


def test_few_imports_are_deferred():
    deferred = [e for e in EDGES if e[2]]
    assert len(deferred) <= 40, deferred


def test_the_contract_catches_an_upward_import(tmp_path):
    """The check itself: a device module importing the layers is reported."""
    (tmp_path / 'kcore' / 'runtime').mkdir(parents=True)
    (tmp_path / 'kcore' / 'layers').mkdir()
    for pkg in ('kcore', 'kcore/runtime', 'kcore/layers'):
        (tmp_path / pkg / '__init__.py').write_text('')
    (tmp_path / 'kcore' / 'layers' / 'base.py').write_text('from kcore.runtime import device\n')
    (tmp_path / 'kcore' / 'runtime' / 'device.py').write_text(
        'def f():\n    from ..layers import base\n    return base\n')
    edges = import_graph.collect(tmp_path)
    assert ('kcore.runtime.device', 'kcore.layers.base', True, 2) in edges
    assert [e for e in edges if floor(e[1]) > floor(e[0])] == [('kcore.runtime.device', 'kcore.layers.base', True, 2)]
    assert import_graph.cycles(edges) == [['kcore.layers.base', 'kcore.runtime.device']]


@pytest.mark.parametrize('old, new', [('kcore.backend.device', 'kcore.runtime.device'),
                                      ('kcore.backend.ops', 'kcore.runtime.ops'),
                                      ('kcore.backend.state', 'kcore.runtime.state'),
                                      ('kcore.saving.serialization', 'kcore.serialization')])
def test_old_import_paths_name_the_moved_modules(old, new):
    assert importlib.import_module(old) is importlib.import_module(new)


def test_the_graph_vocabulary_keeps_its_old_path():
    from kcore.layers.keras_tensor import KerasTensor
    from kcore.layers.node import Node
    from kcore.models import symbolic
    assert symbolic.KerasTensor is KerasTensor and symbolic.Node is Node
