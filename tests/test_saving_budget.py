"""The weight budget of a file being loaded reaches add_weight through the layers' allocation
hook; the layers know nothing of files."""
import pytest

from kcore.errors import SavingError
from kcore.layers import Dense, Input
from kcore.layers.base import _allocation, allocation_hook
from kcore.saving.budget import weight_budget


def _refuse(layer, name, shape, nbytes, remaining):
    raise SavingError('%s wants %d bytes, %d left' % (name, nbytes, remaining))


def test_the_budget_counts_every_weight_and_refuses_beyond_it():
    with weight_budget(4 * (3 * 2 + 2), _refuse) as budget:
        Dense(2).build((None, 3))
        assert budget.remaining == 0
        with pytest.raises(SavingError, match='kernel wants 24 bytes, 0 left'):
            Dense(2).build((None, 3))
    assert _allocation.check is None


def test_hooks_nest_and_unwind():
    seen = []
    with allocation_hook(lambda layer, name, shape, dtype: seen.append(('outer', name))):
        with allocation_hook(lambda layer, name, shape, dtype: seen.append(('inner', name, tuple(shape)))):
            Dense(1, use_bias=False)(Input(shape=(2,)))
        Dense(1, use_bias=False)(Input(shape=(2,)))
    assert seen == [('inner', 'kernel', (2, 1)), ('outer', 'kernel')]
    assert _allocation.check is None
