"""The ``kcore`` console script.

    kcore plugins            every plugin: distribution, version, names registered per kind
    kcore plugins --json     the same, as JSON
    kcore info               version, backend and settings
    kcore --version          the version
"""
import argparse
import json
import sys


def _plugins(args):
    from kcore.plugins import plugins
    table = plugins()
    failed = any(p['status'] == 'failed' for p in table)
    if args.json:
        json.dump(table, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write('\n')
        return 1 if failed else 0
    for p in table:
        version = p['version'] or ('(no version: running from a checkout)' if p['distribution'] else '')
        where = ('%s %s' % (p['distribution'], version)).strip() if p['distribution'] else 'in-process'
        print('%s  [%s]  entry point: %s' % (p['name'], where, p['entry_point'] or '-'))
        if p['status'] == 'failed':
            print('  ERROR: %s' % p['error'])
        elif p['status'] == 'disabled':
            print('  (disabled by KCORE_DISABLE_PLUGINS)')
        elif not p['registered']:
            print('  (registers nothing yet)')
        for kind, names in sorted(p['registered'].items()):
            print('  %-13s %s' % (kind + ':', ', '.join(names)))
        for why in p.get('overrides') or ():
            print('  OVERRIDE: %s' % why)
    return 1 if failed else 0


def _info(args):
    """One line per fact: the active backend once (the configured one only if it differs)."""
    import platform

    import numpy

    import kcore
    from kcore import config
    from kcore.backend import backend
    active = backend()
    print('kcore %s' % kcore.__version__)
    print('python: %s' % platform.python_version())
    print('numpy: %s' % numpy.__version__)
    print('backend: %s' % active)
    from kcore.runtime.device import ACTIVE
    memory = getattr(ACTIVE.backend, 'memory_info', None)
    report = memory() if memory is not None else None
    if report:  # a device backend's pool and free memory (kcore-gpu's CuPy pool)
        print('device memory: %s' % ', '.join('%s=%s' % kv for kv in report.items()))
    print('config file: %s' % config.config_path())
    for k, v in sorted(config.settings.items()):
        if k == 'backend':
            if v != active:
                print('configured backend: %s' % v)
            continue
        print('%s: %s' % (k, v))
    return 0


def main(argv=None):
    import kcore
    parser = argparse.ArgumentParser(prog='kcore', description='kcore command-line tools.')
    parser.add_argument('--version', action='version', version='kcore %s' % kcore.__version__)
    sub = parser.add_subparsers(dest='command')
    p = sub.add_parser('plugins', help='list plugins and what they registered')
    p.add_argument('--json', action='store_true', help='print JSON')
    p.set_defaults(func=_plugins)
    i = sub.add_parser('info', help='version, backend and settings')
    i.set_defaults(func=_info)
    args = parser.parse_args(argv)
    if not getattr(args, 'func', None):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
