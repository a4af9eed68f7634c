#!/usr/bin/env bash
# One-shot GPU check for kcore-gpu (issue 20), from the repository root on a fresh GPU machine:
#   tools/gpu_check.sh
# 1. an environment: .gpu-venv over the system Python (--system-site-packages, so a preinstalled
#    torch / cupy is used), kcore + plugins + kcore-gpu installed from this checkout; works
#    offline (no index needed when numpy, pluggy, h5py, setuptools, pytest, hypothesis are present);
# 2. the GPU tests: pytest -m gpu, kcore-gpu's own first, then the core's per-backend conformance;
# 3. the benchmarks beside PyTorch CUDA (benchmarks/bench_gpu.py), one process per workload;
# then ONE table.  Every stage has a hard timeout, and each is cut to what is left of an
# overall 7.5-minute budget, so the whole run stays under 8 minutes.
# Env: PYTHON (default python3), GPU_CHECK_VENV (default .gpu-venv).
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
VENV="${GPU_CHECK_VENV:-.gpu-venv}"
LOG="$(mktemp -d)"
T0=$(date +%s)
DEADLINE=$((T0 + 450))
say() { printf '\n== %s\n' "$*"; }
# limit SECONDS RESERVE: SECONDS, or less so that RESERVE seconds stay for the later stages
limit() { local left=$((DEADLINE - $(date +%s) - $2)); [ "$left" -lt "$1" ] && echo $((left > 5 ? left : 5)) || echo "$1"; }

say "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -4 \
  || echo "nvidia-smi not found: no NVIDIA driver here"

say "environment ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then
  timeout 60 "$PY" -m venv --system-site-packages "$VENV" || { echo "FAILED: cannot create $VENV"; exit 1; }
fi
VPY="$VENV/bin/python"
if timeout 8 "$VPY" -m pip download --no-deps --no-cache-dir -q -d "$LOG/probe" pluggy >/dev/null 2>&1; then
  INDEX_OK=1; echo "package index: reachable"
else
  INDEX_OK=0; echo "package index: NOT reachable (offline): installing from this checkout and what is installed"
fi
PLUGINS=(-e plugins/kcore-conv -e plugins/kcore-losses -e plugins/kcore-rnn -e plugins/kcore-applications
         -e plugins/kcore-gpu)
if [ "$INDEX_OK" = 1 ]; then
  timeout "$(limit 120 330)" "$VPY" -m pip install -q -e ".[test]" "${PLUGINS[@]}" -e "plugins/kcore-gpu[cuda12,test]" \
    >"$LOG/pip.txt" 2>&1 || { echo "pip install failed or timed out (tail):"; tail -5 "$LOG/pip.txt"; }
else
  timeout "$(limit 120 330)" "$VPY" -m pip install -q --no-index --no-build-isolation --no-deps -e . "${PLUGINS[@]}" \
    >"$LOG/pip.txt" 2>&1 || { echo "offline install failed or timed out (tail):"; tail -5 "$LOG/pip.txt"; }
fi
"$VPY" - <<'PYEOF'
import importlib
for name in ('numpy', 'pluggy', 'h5py', 'pytest', 'hypothesis', 'kcore', 'kcore_gpu', 'cupy', 'torch',
             'torchvision'):
    try:
        mod = importlib.import_module(name)
        print('%-12s %s' % (name, getattr(mod, '__version__', 'ok')))
    except Exception as e:
        print('%-12s MISSING (%s)' % (name, str(e).splitlines()[0][:100]))
try:
    import cupy
    print('cuda devices:', cupy.cuda.runtime.getDeviceCount(), '| CUDA runtime', cupy.cuda.runtime.runtimeGetVersion())
except Exception as e:
    print('CuPy cannot use a device:', str(e).splitlines()[0][:200])
    print('=> install a CuPy wheel matching the driver (pip install "kcore-gpu[cuda12]"); the GPU tests will skip.')
PYEOF

run_tests() {  # name seconds reserve paths...
  local name=$1 secs=$2 reserve=$3; shift 3
  local lim; lim=$(limit "$secs" "$reserve")
  say "GPU tests: $name (pytest -m gpu, limit $lim s)"
  # modules that cannot be collected here (an optional extra missing offline) are reported, not fatal
  OPENBLAS_NUM_THREADS=4 timeout "$lim" "$VPY" -m pytest -q -p no:randomly -m gpu --continue-on-collection-errors \
    "$@" >"$LOG/pytest_$name.txt" 2>&1
  local rc=$?
  grep -E "^(FAILED|ERROR)" "$LOG/pytest_$name.txt" | head -30
  tail -3 "$LOG/pytest_$name.txt"
  [ $rc = 124 ] && echo "TIMED OUT after $lim s" && echo "timed out" >>"$LOG/pytest_$name.txt"
}
run_tests kcore-gpu 120 230 plugins/kcore-gpu
run_tests core 80 160 tests plugins --ignore=plugins/kcore-gpu
TESTS="kcore-gpu: $(tail -1 "$LOG/pytest_kcore-gpu.txt"); core: $(tail -1 "$LOG/pytest_core.txt")"

say "benchmarks beside PyTorch CUDA"
: >"$LOG/bench.jsonl"
for w in mlp cnn bn_cnn lstm resnet50; do
  case $w in resnet50) args=(--steps 5 --rounds 3) ;; *) args=(--steps 20 --rounds 5) ;; esac
  lim=$(limit 40 0)
  echo "$w (limit $lim s)"
  if ! timeout "$lim" "$VPY" benchmarks/bench_gpu.py "$w" "${args[@]}" >>"$LOG/bench.jsonl" 2>"$LOG/bench_$w.txt"; then
    echo "{\"workload\": \"$w\", \"kcore_ms\": null, \"torch_ms\": null, \"note\": \"failed or timed out ($lim s): $(tail -1 "$LOG/bench_$w.txt" | tr '"\\' "' " | cut -c1-150)\"}" >>"$LOG/bench.jsonl"
  fi
done

say "RESULT (wall $(( $(date +%s) - T0 )) s; logs in $LOG)"
echo "tests: $TESTS"
"$VPY" - "$LOG/bench.jsonl" <<'PYEOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith('{')]
fmt = '%-10s %14s %14s %8s  %s'
print(fmt % ('workload', 'kcore ms/step', 'torch ms/step', 'ratio', 'note'))
for r in rows:
    k, t = r.get('kcore_ms'), r.get('torch_ms')
    ratio = '%.2f' % (k / t) if k and t else '-'
    print(fmt % (r['workload'], '%.2f' % k if k else '-', '%.2f' % t if t else '-', ratio, r.get('note', '')))
PYEOF
