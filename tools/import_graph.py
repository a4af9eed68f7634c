"""Count the import graph of kcore inside kcore: its cycles and its deferred imports.

Every ``import kcore...`` / ``from kcore... import ...`` in ``kcore/`` (relative ones
resolved) is an edge from the importing module to the most specific kcore module it
names (``from kcore.backend import ops`` -> ``kcore.backend.ops``; ``from kcore.layers
import Dense`` -> ``kcore.layers``).  Imports at module level and imports deferred into
a function body both count.  A cycle is a strongly connected component of more than one
module (a 12-module knot counts once, as does a two-module loop).

    python tools/import_graph.py            # summary: cycles and deferred-import count
    python tools/import_graph.py --deferred # also list every deferred import
"""
import argparse
import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def module_name(path, root):
    parts = list(path.relative_to(root).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def discover(root, package='kcore'):
    """{module name: path} for every module of ``package`` under ``root``."""
    return {module_name(p, root): p for p in sorted((root / package).rglob('*.py'))}


def _absolute(node, module, is_package):
    """The absolute module an ``ImportFrom`` starts from."""
    if not node.level:
        return node.module or ''
    base = module.split('.')
    if not is_package:
        base = base[:-1]
    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
    return '.'.join(base + ([node.module] if node.module else []))


class _Collector(ast.NodeVisitor):
    def __init__(self, module, is_package, modules, package):
        self.module, self.is_package, self.modules, self.package = module, is_package, modules, package
        self.depth = 0
        self.imports = []  # (target module, deferred, line)

    def _function(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def _add(self, name, line):
        if name == self.package or name.startswith(self.package + '.'):
            while name not in self.modules and '.' in name:
                name = name.rsplit('.', 1)[0]
            self.imports.append((name, self.depth > 0, line))

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node):
        base = _absolute(node, self.module, self.is_package)
        for alias in node.names:
            full = base + '.' + alias.name
            self._add(full if full in self.modules else base, node.lineno)


def collect(root=ROOT, package='kcore'):
    """[(importer, target, deferred, line)] for every import of ``package`` inside it."""
    modules = discover(root, package)
    edges = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        c = _Collector(name, path.name == '__init__.py', modules, package)
        c.visit(tree)
        edges.extend((name, target, deferred, line) for target, deferred, line in c.imports
                     if target != name)
    return edges


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    graph = {}
    for src, dst, _, _ in edges:
        graph.setdefault(src, set()).add(dst)
        graph.setdefault(dst, set())
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default=str(ROOT))
    parser.add_argument('--deferred', action='store_true', help='list every deferred import')
    args = parser.parse_args(argv)
    edges = collect(pathlib.Path(args.root))
    deferred = [e for e in edges if e[2]]
    found = cycles(edges)
    print('imports of kcore inside kcore: %d (%d deferred into functions)' % (len(edges), len(deferred)))
    print('import cycles: %d' % len(found))
    for comp in found:
        print('  %d modules: %s' % (len(comp), ' '.join(comp)))
    if args.deferred:
        for src, dst, _, line in deferred:
            print('  deferred %s:%d -> %s' % (src, line, dst))
    return 0


if __name__ == '__main__':
    sys.exit(main())
