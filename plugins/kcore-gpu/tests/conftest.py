"""The ``gpu`` marker: tests that need CuPy and a CUDA device (``pytest -m gpu`` selects them)."""


def pytest_configure(config):
    config.addinivalue_line('markers', 'gpu: needs CuPy and a CUDA device (skipped without one)')
