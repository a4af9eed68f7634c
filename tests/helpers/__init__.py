"""Test support shared by kcore's own tests (not part of the package)."""
