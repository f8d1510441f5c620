#!/usr/bin/python3
"""examples/onnx/export_mlp.py [OUT.onnx] [DATA_DIR]: a model trained elsewhere, for
tools/onnx_import.py to bring in. Trains a small MLP with PyTorch for two epochs on
the MNIST files in DATA_DIR (default tests/data, the committed subset) and exports
it with torch.onnx.export to OUT.onnx (default out/mlp.onnx)."""
import gzip
import os
import sys

import numpy as np
import torch
from torch import nn


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=4 + 4 * data[3])


out = sys.argv[1] if len(sys.argv) > 1 else "out/mlp.onnx"
data = sys.argv[2] if len(sys.argv) > 2 else "tests/data"
gz = "" if os.path.exists(os.path.join(data, "train-labels-idx1-ubyte")) else ".gz"
x = torch.from_numpy(idx(os.path.join(data, "train-images-idx3-ubyte" + gz)).reshape(-1, 1, 28, 28) / np.float32(255))
y = torch.from_numpy(idx(os.path.join(data, "train-labels-idx1-ubyte" + gz)).astype(np.int64))

torch.manual_seed(1)
mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10), nn.Softmax(dim=1))
opt = torch.optim.Adam(mlp.parameters(), 0.003)
for epoch in range(2):
    for k in range(0, len(x), 32):
        opt.zero_grad()
        nn.functional.nll_loss(torch.log(mlp(x[k:k + 32]) + 1e-12), y[k:k + 32]).backward()
        opt.step()
mlp.eval()
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
torch.onnx.export(mlp, x[:1], out, input_names=["image"], output_names=["probs"],
                  dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}})
print("export_mlp: %s (%d training images, 2 epochs)" % (out, len(x)))
