"""Shared pytest set-up for kcore, its plugins and the example plugin.

Hypothesis profiles: ``ci`` (the default under .ci/run: few, bounded examples,
no deadline) and ``dev`` (more examples).  Pick one with HYPOTHESIS_PROFILE.
"""
import os

from hypothesis import HealthCheck, settings

# the kcore_backend fixture (a test once per device backend) and the gpu marker
pytest_plugins = ['kcore.testing.pytest_plugin']

settings.register_profile('ci', max_examples=15, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile('dev', max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))
