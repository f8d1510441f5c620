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


def load(data, which):
    """Images (n, 1, 28, 28) scaled to [0, 1] as the trainer does, and labels, from
    DATA/WHICH-images-idx3-ubyte and -labels-idx1-ubyte (or the .gz files)."""
    def idx(name):
        path = os.path.join(data, name)
        with gzip.open(path + ".gz") if not os.path.exists(path) else open(path, "rb") as f:
            raw = f.read()
        return np.frombuffer(raw, np.uint8, offset=4 + 4 * raw[3])
    x = idx(which + "-images-idx3-ubyte").reshape(-1, 1, 28, 28).astype(np.float32) / np.float32(255)
    return torch.from_numpy(x), torch.from_numpy(idx(which + "-labels-idx1-ubyte").astype(np.int64))


def fit(model, x, y, epochs, batch, rate):
    """Adam on the negative log of the model's softmax output."""
    opt = torch.optim.Adam(model.parameters(), rate)
    for _ in range(epochs):
        for k in range(0, len(x), batch):
            opt.zero_grad()
            nn.functional.nll_loss(torch.log(model(x[k:k + batch]) + 1e-12), y[k:k + batch]).backward()
            opt.step()
    model.eval()


def export(model, x, path, **kw):
    """torch.onnx.export with a dynamic batch dimension (kw: more of its arguments)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    torch.onnx.export(model, x[:1], path, input_names=["image"], output_names=["y"],
                      dynamic_axes={"image": {0: "batch"}, "y": {0: "batch"}}, opset_version=13, **kw)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "out/mlp.onnx"
    x, y = load(sys.argv[2] if len(sys.argv) > 2 else "tests/data", "train")
    torch.manual_seed(1)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10),
                        nn.Softmax(dim=1))
    fit(mlp, x, y, epochs=2, batch=32, rate=0.003)
    export(mlp, x, out)
    print("export_mlp: %s (%d training images, 2 epochs)" % (out, len(x)))


if __name__ == "__main__":
    main()
