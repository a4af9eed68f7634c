"""A Griffe extension for the API reference: load ``kcore.training``, a folder without
``__init__.py`` inside the regular package ``kcore``.

Python imports it (an implicit namespace package), but Griffe's static loader skips such
folders on purpose, so mkdocstrings could not find ``kcore.training.callbacks.Callback``
and the other objects defined there.  mkdocs.yml names this file under the handler's
``extensions``.  (Adding ``kcore/training/__init__.py`` would make this file unnecessary.)
"""
from pathlib import Path

import griffe

NAMESPACE_FOLDERS = ('training',)


class NamespaceSubpackages(griffe.Extension):
    def on_package(self, *, pkg, loader, **kwargs):
        if pkg.name != 'kcore':
            return
        root = Path(pkg.filepath).parent
        for folder_name in NAMESPACE_FOLDERS:
            folder = root / folder_name
            if folder_name in pkg.members or not folder.is_dir():
                continue
            package = griffe.Module(folder_name, filepath=[folder], parent=pkg)
            pkg.set_member(folder_name, package)
            for path in sorted(folder.glob('*.py')):
                package.set_member(path.stem, loader._load_module(path.stem, path, submodules=False,
                                                                   parent=package))
