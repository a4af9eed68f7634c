#!/usr/bin/env bash
# One entry point for a fresh machine: it creates the environment it needs.
#   ./run.sh demo    set up, then train an MLP on real handwritten digits
#   ./run.sh test    set up, then run every test (core, plugins, example plugin, seed examples)
#   ./run.sh setup   only create/refresh the environment
# KCORE_VENV chooses the environment folder (default .venv).
set -euo pipefail
cd "$(dirname "$0")"
VENV="${KCORE_VENV:-.venv}"
PY="${PYTHON:-python3}"

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
  fi
  "$VENV/bin/python" -m pip install -q -e ".[test,demo,image,dataframe,plot,tensorboard]" \
    -e "plugins/kcore-conv[test]" -e "plugins/kcore-losses[test]" \
    -e "plugins/kcore-rnn[test]" -e "plugins/kcore-gpu[test]" -e "plugins/kcore-mpi[test]" \
    $(ls -d examples/plugins/*/ 2>/dev/null | sed 's/^/-e /')
}

case "${1:-}" in
  setup) setup ;;
  demo) setup; "$VENV/bin/python" examples/mnist_mlp.py "${@:2}" ;;
  # one BLAS thread: the tests' matrices are small, and a second thread only fights
  # the data-reader threads for the cores
  test) setup; OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}" "$VENV/bin/python" -m pytest -q -p no:randomly "${@:2}" ;;
  *) echo "usage: ./run.sh demo|test|setup" >&2; exit 2 ;;
esac
