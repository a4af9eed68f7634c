"""Public names of kcore's documented modules that lack a docstring.

A public name is one the API reference lists (``tools/gen_api_docs.py``): each object a
module exposes, and the public methods and properties its classes define themselves.

    python tools/docstring_report.py            # print them, one per line
"""
import importlib.util
import inspect
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _api_tool():
    spec = importlib.util.spec_from_file_location('gen_api_docs', os.path.join(HERE, 'gen_api_docs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _own_docstring(obj):
    return bool((getattr(obj, '__doc__', None) or '').strip())


def _resolve(path):
    """The object at ``package.module.qualname`` (the module part is the longest importable prefix)."""
    parts = path.split('.')
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module('.'.join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def _members(cls):
    """Public methods and properties that ``cls`` defines itself (inherited ones are its base's)."""
    for name, value in vars(cls).items():
        if name.startswith('_'):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            yield name, value


def _overrides_documented_base(cls, name):
    """A method that overrides a documented one (``call``, ``get_config``) inherits its docstring."""
    return any(_own_docstring(vars(base).get(name)) for base in cls.__mro__[1:] if name in vars(base))


def missing():
    tool = _api_tool()
    seen, found = set(), []
    for short in tool.MODULES:
        _, rows = tool.entries(short)
        for _, path in rows:
            if path in seen:
                continue
            seen.add(path)
            obj = _resolve(path)
            if not _own_docstring(obj):
                found.append(path)
            if inspect.ismodule(obj):  # an exported submodule: its own public functions and classes
                for name in getattr(obj, '__all__', None) or [n for n in vars(obj) if not n.startswith('_')]:
                    member = getattr(obj, name, None)
                    if ((inspect.isfunction(member) or inspect.isclass(member))
                            and getattr(member, '__module__', '').split('.')[0] in tool.FIRST_PARTY
                            and not _own_docstring(member)):
                        found.append('%s.%s' % (member.__module__, member.__qualname__))
            if inspect.isclass(obj):
                for name, member in _members(obj):
                    if not _own_docstring(member) and not _overrides_documented_base(obj, name):
                        found.append('%s.%s' % (path, name))
    return sorted(set(found))


def main():
    names = missing()
    print('\n'.join(names))
    print('%d public names without a docstring' % len(names), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
