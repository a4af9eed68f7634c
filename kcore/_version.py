"""kcore's version, in a module of its own so that the saving code can stamp files with it
without importing the top-level package."""
__version__ = '0.1.0'
