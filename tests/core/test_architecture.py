"""The architecture table against figures the test works out from the model itself."""

import json

import torch
from torch import nn

from alexnet_viewer.core.inspect.architecture import architecture
from alexnet_viewer.core.frame.hooks import layer_module
from alexnet_viewer.core.frame.layers import LAYER_NAMES


def _output_shapes(model):
    shapes = {}

    def keep(name):
        def hook(_module, _inputs, output):
            shapes[name] = tuple(output.shape[1:])

        return hook

    handles = [layer_module(model, name).register_forward_hook(keep(name)) for name in LAYER_NAMES]
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, 224, 224))
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def test_parameters_and_macs(loaded_model):
    model = loaded_model.model
    table = architecture(model)
    shapes = _output_shapes(model)
    assert [row.name for row in table.layers] == list(LAYER_NAMES)
    expected_macs = {}
    for name in LAYER_NAMES:
        module = layer_module(model, name)
        if isinstance(module, nn.Conv2d):  # each output value: in/groups × kh × kw products
            expected_macs[name] = torch.Size(shapes[name]).numel() * module.weight[0].numel()
        elif isinstance(module, nn.Linear):
            expected_macs[name] = module.weight.numel()
        else:
            expected_macs[name] = 0
    rows = {row.name: row for row in table.layers}
    assert {name: row.macs for name, row in rows.items()} == expected_macs
    assert {name: row.output_shape for name, row in rows.items()} == shapes
    assert {name: row.params for name, row in rows.items()} == {
        name: sum(p.numel() for p in layer_module(model, name).parameters()) for name in LAYER_NAMES
    }
    assert table.total_params == sum(p.numel() for p in model.parameters()) == 61_100_840
    assert table.total_macs == sum(expected_macs.values())
    assert round(table.total_macs / 1e9, 3) == 0.714


def test_kernels_and_receptive_fields(loaded_model):
    rows = {row.name: row for row in architecture(loaded_model.model).layers}
    conv1, pool5, fc6 = rows["conv1"], rows["pool5"], rows["fc6"]
    assert (conv1.type, conv1.kernel, conv1.stride, conv1.padding) == ("Conv2d", (11, 11), (4, 4), (2, 2))
    assert (conv1.rf_size, conv1.rf_stride) == (11, 4)
    assert (pool5.type, pool5.kernel, pool5.stride) == ("MaxPool2d", (3, 3), (2, 2))
    assert (pool5.rf_size, pool5.rf_stride) == (195, 32)
    assert (fc6.type, fc6.kernel, fc6.rf_size, fc6.rf_stride) == ("Linear", None, None, None)
    assert rows["relu3"].kernel is None and rows["relu3"].rf_size == rows["conv3"].rf_size


def test_json_form(loaded_model):
    payload = json.loads(json.dumps(architecture(loaded_model.model).to_json(), allow_nan=False))
    keys = {"name", "type", "kernel", "stride", "padding", "output_shape", "params", "macs", "rf_size", "rf_stride"}
    assert all(set(row) == keys for row in payload["layers"])
    assert payload["layers"][0]["kernel"] == [11, 11] and payload["layers"][0]["output_shape"] == [64, 55, 55]
    assert payload["total_params"] == 61_100_840
    assert payload["total_macs"] == sum(row["macs"] for row in payload["layers"])


def test_works_on_a_structure_without_weights():
    from torchvision.models import alexnet

    with torch.device("meta"):
        model = alexnet(weights=None)
    assert architecture(model).total_params == 61_100_840
