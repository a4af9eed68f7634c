"""Regenerate the list of hooks in docs/plugins.md from kcore/plugins/hookspecs.py.

    python tools/gen_hook_docs.py           # rewrite the generated section in place
    python tools/gen_hook_docs.py --check   # exit 1 if the section is out of date

The section lies between the two marker comments below; everything else in the
page is written by hand.  Each hook gets its signature, the registry it fills
and its docstring, in the order the hooks run.  ``tests/test_docs.py`` runs the
check, so the page and ``hookspecs.py`` cannot drift apart.
"""
import argparse
import inspect
import os
import sys

BEGIN = '<!-- BEGIN GENERATED HOOKS: python tools/gen_hook_docs.py -->'
END = '<!-- END GENERATED HOOKS -->'
DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'docs', 'plugins.md')


def hooks():
    """``[(name, kind, function)]`` for every hook specification, in the order they run.

    A hook that ``KINDS`` does not list (it would never run) is an error here.
    """
    from kcore.plugins import hookspecs
    specs = {name: fn for name, fn in vars(hookspecs).items()
             if callable(fn) and hasattr(fn, hookspecs.PROJECT + '_spec')}
    unlisted = sorted(set(specs) - set(hookspecs.KINDS))
    if unlisted:
        raise SystemExit('hookspecs.py declares hooks that KINDS does not list: %s' % ', '.join(unlisted))
    return [(name, kind, specs[name]) for name, kind in hookspecs.KINDS.items()]


def render():
    """The generated section, markers included."""
    parts = [BEGIN, '']
    for name, kind, fn in hooks():
        parts += ['### `%s(%s)`' % (name, ', '.join(inspect.signature(fn).parameters)), '',
                  'Fills the `%s` registry (`kcore.plugins.registry(%r)`).' % (kind, kind), '',
                  inspect.getdoc(fn), '']
    parts.append(END)
    return '\n'.join(parts)


def generated_section(text):
    """The generated section of ``text`` (markers included), or None if the markers are missing."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start:end + len(END)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true', help='exit 1 if docs/plugins.md is out of date')
    parser.add_argument('--doc', default=DOC, help='the page to update (default: docs/plugins.md)')
    args = parser.parse_args(argv)
    with open(args.doc, encoding='utf-8') as f:
        text = f.read()
    current = generated_section(text)
    if current is None:
        print('%s has no generated section: add the lines\n%s\n%s' % (args.doc, BEGIN, END), file=sys.stderr)
        return 1
    wanted = render()
    if current == wanted:
        return 0
    if args.check:
        print('%s is out of date with kcore/plugins/hookspecs.py: run python tools/gen_hook_docs.py'
              % args.doc, file=sys.stderr)
        return 1
    with open(args.doc, 'w', encoding='utf-8') as f:
        f.write(text.replace(current, wanted))
    print('updated %s' % args.doc)
    return 0


if __name__ == '__main__':
    sys.exit(main())
