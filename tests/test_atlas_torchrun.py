"""torchrun with two CPU processes builds the same atlas as one process, byte for byte."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from alexnet_viewer.core.atlas.build import BuildOptions, build_atlas
from alexnet_viewer.core.atlas.neighbours import load_codes
from alexnet_viewer.core.model.loader import WeightsSpec
from tests.atlas_fixtures import assert_same_atlas, atlas_by_path, make_folder

ROOT = Path(__file__).resolve().parents[1]


def test_two_processes_build_the_same_atlas_as_one(loaded_model, tmp_path):
    folder = make_folder(tmp_path, count=5)
    build_atlas(loaded_model, [folder], tmp_path / "one", BuildOptions(top_k=3, batch_size=3), spec=WeightsSpec.random(0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
        "-m", "alexnet_viewer", "atlas", "build", str(folder), "--out", str(tmp_path / "two"),
        "--random-weights", "--seed", "0", "--top", "3", "--batch", "1", "--workers", "0",
        "--checkpoint-seconds", "0", "--device", "cpu",
    ]
    done = subprocess.run(command, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # the damaged file, named by the rank that met it
    assert 'skipped: Cannot open "broken.jpg": damaged file.' in output
    assert "5 processed over 2 processes" in output
    assert_same_atlas(atlas_by_path(tmp_path / "two"), atlas_by_path(tmp_path / "one"))
    # relu7 codes and crops: each rank wrote its own shards, rank 0 the index
    one, two = load_codes(tmp_path / "one"), load_codes(tmp_path / "two")
    assert one.paths == two.paths
    np.testing.assert_allclose(two.codes, one.codes, rtol=1e-5, atol=1e-6 * float(np.abs(one.codes).max()))
    for i in range(len(one)):
        np.testing.assert_array_equal(two.crop(i), one.crop(i))
