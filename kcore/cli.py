"""The ``kcore`` console script.

Commands::

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
    K = kcore.backend
    active = K.backend()
    print('kcore %s' % kcore.__version__)
    print('python: %s' % platform.python_version())
    print('numpy: %s' % numpy.__version__)
    print('backend: %s' % active)
    print('device: %s' % K.active_device())
    print('memory pool: %s' % _memory_pool(K.ACTIVE.backend))
    print('config file: %s' % config.config_path())
    for k, v in sorted(config.settings.items()):
        if k == 'backend':
            if v != active:
                print('configured backend: %s' % v)
            continue
        print('%s: %s' % (k, v))
    return 0


def _memory_pool(backend):
    """'1.2 GiB used, 2.0 GiB pooled, 70.1 GiB free of 79.6 GiB', from ``Backend.memory_info()``."""
    info = backend.memory_info()
    if not info:
        return 'none (%s allocates from the system)' % backend.name
    parts = []
    for key, text in (('used', '%s used'), ('pooled', '%s pooled'), ('free', '%s free')):
        if info.get(key) is not None:
            parts.append(text % _gib(info[key]))
    line = ', '.join(parts) or 'no figures'
    return line + (' of %s' % _gib(info['total']) if info.get('total') is not None else '')


def _gib(n):
    return '%.1f GiB' % (n / 2 ** 30)


def main(argv=None):
    """Run the ``kcore`` command line (``kcore --version``, ``kcore plugins``, ...); returns the exit status."""
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
