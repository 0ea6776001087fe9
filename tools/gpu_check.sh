#!/usr/bin/env bash
# The GPU check in one call: GPU name, tests/gpu + tests/core, every headless bench mode on
# the GPU, JSON under $OUT (else ./gpu_check_out). Needs only Python, torch, torchvision,
# Pillow, numpy and pytest (no Qt, no registry). `--device cpu` is the dry run CI uses.
#   tools/gpu_check.sh [--device cuda|cpu] [--out DIR]      (PYTHON=... picks the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$(command -v python3 || command -v python)}"
exec env PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" tools/gpu_check.py "$@"
