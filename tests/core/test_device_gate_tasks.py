"""Loading weights and building an engine, the atlas build (with its codes), a
nearest-neighbour query, a unit's patches, a sanity check, an attack and an evaluation run their
device work inside the device gate, alone on MPS (issue 16, item 1): serial mode forced on
the CPU, every convolution of each inside it (constructors' tracing forwards included)."""

import numpy as np
import pytest
import torch

from alexnet_viewer.core.atlas.build import BuildOptions, build_atlas
from alexnet_viewer.core.atlas.lookup import Unit
from alexnet_viewer.core.atlas.neighbours import code_of
from alexnet_viewer.core.atlas.patches import PatchMaker
from alexnet_viewer.core.evaluate import evaluate_folder
from alexnet_viewer.core.explain.attack import attack
from alexnet_viewer.core.explain.sanity import sanity_check
from alexnet_viewer.core.frame.engine import Engine
from alexnet_viewer.core.model.loader import WeightsSpec, load_model
from tests.atlas_fixtures import make_folder, write_picture
from tests.device_gate_watch import serial_device, watch_convolutions


def weights_and_engine(loaded, tmp_path):
    Engine(load_model(WeightsSpec.random(seed=1), device="cpu")).close()


def atlas_build(loaded, tmp_path):
    options = BuildOptions(top_k=2, batch_size=2, commit_seconds=0.0, flush_rows=2)
    build_atlas(loaded, [make_folder(tmp_path, count=3)], tmp_path / "atlas", options, spec=WeightsSpec.random(0))


def nearest_code(loaded, tmp_path):
    code_of(loaded, torch.zeros(1, 3, 224, 224))


def unit_patches(loaded, tmp_path):
    path = write_picture(tmp_path / "p.png", seed=2)
    PatchMaker(loaded, None).patches(Unit(1, str(path), 1.0, 3, 3, (0, 0, 40, 40), (0, 0, 40, 40), True), "conv2", 5)


def sanity(loaded, tmp_path):
    sanity_check(loaded, torch.zeros(1, 3, 224, 224), "gradcam", 281)


def fool_it(loaded, tmp_path):
    attack(loaded, np.full((64, 64, 3), 128, np.uint8), eps=4, steps=2)


def evaluation(loaded, tmp_path):
    write_picture(tmp_path / "set" / "tabby" / "a.png", seed=1)
    evaluate_folder(loaded, tmp_path / "set", batch=1)


TASKS = [weights_and_engine, atlas_build, nearest_code, unit_patches, sanity, fool_it, evaluation]


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task.__name__)
def test_every_convolution_of_the_task_runs_inside_the_device_gate(task, loaded_model, tmp_path, monkeypatch):
    seen = watch_convolutions(monkeypatch)
    with serial_device():
        task(loaded_model, tmp_path)
    assert seen["count"] > 0 and seen["outside"] == []


def test_the_formulas_read_back_of_the_weights_runs_inside_the_device_gate(shared_engine, frame, monkeypatch):
    from alexnet_viewer.core.inspect.formula import cell_formula
    from alexnet_viewer.core.model import device_gate

    result = shared_engine.process(frame)
    reads, real = [], torch.Tensor.cpu

    def watched(self, *args, **kwargs):
        reads.append(device_gate.held_here())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "cpu", watched)
    with serial_device():
        cell_formula(shared_engine.loaded, result, "conv2", 5, 3, 3)
    assert reads and all(reads)
