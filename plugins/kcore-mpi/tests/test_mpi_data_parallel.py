"""MPIDataParallel under ``mpiexec -n 2`` against one process without a strategy.

One launch runs every training case of ``mpi_cases.py`` (an MLP, a CNN and an
LSTM with validation data; shuffling; a Sequence and a generator with a last
batch that leaves a rank without rows; callback decisions; evaluate and
predict); this process runs the same cases alone, and the weights and
histories must agree within 1e-5.  Every launch has a timeout, so a hang
fails instead of blocking CI.
"""
import importlib.util
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, 'mpi_cases.py')


def _mpiexec():
    beside = os.path.join(os.path.dirname(sys.executable), 'mpiexec')
    found = beside if os.path.exists(beside) else shutil.which('mpiexec')
    assert found, ('mpiexec not found beside %s or on PATH: ./run.sh setup installs it (pip install mpi4py mpich)'
                   % sys.executable)
    return found


def _launch(folder, *args, timeout=60):
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1', PYTHONFAULTHANDLER='1')
    start = time.monotonic()
    try:
        proc = subprocess.run([_mpiexec(), '-n', '2', sys.executable, CASES, str(folder)] + list(args),
                              capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        pytest.fail('mpiexec -n 2 did not finish in %d s (a hang). Output:\n%s\n%s'
                    % (timeout, e.stdout, e.stderr))
    return proc, time.monotonic() - start


def _cases_module():
    spec = importlib.util.spec_from_file_location('mpi_cases', CASES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def two_ranks(tmp_path_factory):
    folder = tmp_path_factory.mktemp('mpi')
    proc, _ = _launch(folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with np.load(folder / 'results.npz') as f:
        results = dict(f)
    return folder, proc, results


@pytest.fixture(scope='module')
def one_process():
    return _cases_module().run(None, seed=0)


def test_two_ranks_ran_and_hold_identical_weights(two_ranks):
    _, _, results = two_ranks
    assert int(results['size'][0]) == 2
    assert float(results['rank_difference'][0]) == 0.0  # every case, BatchNormalization's statistics included
    assert any(k.startswith('batchnorm/') for k in results)


@pytest.mark.parametrize('case', ['mlp', 'cnn', 'lstm', 'overlap', 'shuffled', 'sequence', 'generator',
                                  'decisions', 'nan'])
def test_two_ranks_give_the_weights_and_history_of_one_process(two_ranks, one_process, case):
    _, _, results = two_ranks
    keys = sorted(k for k in one_process if k.startswith(case + '/'))
    assert keys and keys == sorted(k for k in results if k.startswith(case + '/'))
    for key in keys:
        np.testing.assert_allclose(results[key], one_process[key], rtol=1e-5, atol=1e-5, err_msg=key)
    if case in ('mlp', 'cnn', 'lstm'):
        assert {'%s/loss' % case, '%s/val_loss' % case} <= set(keys)
    if case == 'nan':
        assert int(results['nan/iterations'][0]) == 3  # TerminateOnNaN stopped both at the third step


def test_callback_decisions_agree(two_ranks, one_process):
    _, _, results = two_ranks
    assert len(results['decisions/loss']) == len(one_process['decisions/loss']) < 6  # EarlyStopping stopped
    assert float(results['decisions/lr']) == float(one_process['decisions/lr']) < 1e-3  # ReduceLROnPlateau cut


def test_evaluate_and_predict_shard_and_gather_in_order(two_ranks, one_process):
    _, _, results = two_ranks
    for key in ('evaluate', 'predict', 'predict_tiny'):
        assert results[key].shape == one_process[key].shape
        np.testing.assert_allclose(results[key], one_process[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_chief_only_callbacks_and_the_progress_bar_run_on_rank_0_only(two_ranks):
    folder, proc, _ = two_ranks
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith('chief_only')) == [
        'chief_only_ran_on_rank0']
    assert proc.stdout.count('3/3 [====') == 1, proc.stdout  # the bar of the one verbose fit


def test_a_failing_rank_ends_the_job_nonzero_with_its_traceback(tmp_path):
    proc, elapsed = _launch(tmp_path, 'fail', timeout=60)
    assert proc.returncode != 0
    assert elapsed < 60
    assert 'rank 1 of 2 raised an uncaught exception' in proc.stderr
    assert 'RuntimeError: rank 1 fails on purpose' in proc.stderr


def test_a_rank_that_exits_early_does_not_hang_the_others(tmp_path):
    proc, elapsed = _launch(tmp_path, 'exit', timeout=60)
    assert proc.returncode != 0
    assert elapsed < 60
    assert 'rank 1 of 2 reached its end, but not every rank did within 3 s' in proc.stderr


def test_buckets_cover_the_buffer_from_its_end():
    from kcore.distribute.averaging import GradientBuffer
    from kcore_mpi.overlap import plan_buckets
    variables = [np.zeros(n, 'float32') for n in (300, 10, 300, 10, 5)]
    buffer = GradientBuffer(variables, np)
    bucket_of, bounds = plan_buckets(buffer, bucket_bytes=1000)
    # 20 + 40 + 1200 bytes fill bucket 0 with the last variables (the first ready), 40 + 1200 bucket 1
    assert bucket_of == [1, 1, 0, 0, 0]
    assert bounds == [(310, 625), (0, 310)]
    assert plan_buckets(buffer, bucket_bytes=1 << 30)[1] == [(0, 625)]


def test_without_mpi4py_the_error_says_what_to_install(monkeypatch):
    from kcore.errors import DistributedError
    from kcore_mpi.strategy import MPIDataParallel
    monkeypatch.setitem(sys.modules, 'mpi4py', None)
    with pytest.raises(DistributedError, match='needs mpi4py, which is not installed.*pip install mpi4py mpich'):
        MPIDataParallel()
