#!/usr/bin/env python3
"""bench_torch_cnn.py: (h) PyTorch on the CNN task of bench/cnn.sh.

The network is the module that `lua5.4 gen/constnet.lua --torch` rendered from
the same spec as the C (bench/work/cnn/NAME_torch.py): the same layers, the same
initial weights from the same seed, the same optimizer and rate. N training
samples of MNIST in order, in batches of the spec's size, then inference over
the test set in batches of 1000 (PyTorch's best case; the C runs one image at a
time). The clock covers the loops; the data are tensors in memory before it.

  bench_torch_cnn.py --module DIR/NAME_torch.py --data MNIST_DIR --n-train N --threads T

T = 0 leaves torch at its default thread count. Prints one line:
  impl=torch_cnn_b<B>_t<T> train_sps=N infer_sps=N acc=P
"""
import argparse
import importlib.util
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--module", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--n-train", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    args = ap.parse_args()
    if args.threads > 0:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    import torch
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    spec = importlib.util.spec_from_file_location("cnn_torch", args.module)
    cn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cn)
    x, y = cn.load_data(args.data, "train")
    xt, yt = cn.load_data(args.data, "t10k")
    n = min(args.n_train, len(x))
    net = cn.Net()
    opt = cn.make_optimizer(net)
    eye = torch.eye(cn.N_OUT, dtype=x.dtype)
    net.train()
    t0 = time.perf_counter()
    for first in range(0, n, cn.BATCH):
        xb = x[first:min(first + cn.BATCH, n)]
        tb = eye[y[first:min(first + cn.BATCH, n)]]
        opt.zero_grad()
        loss = net.loss(xb, tb)
        loss.backward()
        opt.step()
    t1 = time.perf_counter()
    net.eval()
    right = 0
    with torch.no_grad():
        for first in range(0, len(xt), 1000):
            right += int((net(xt[first:first + 1000]).argmax(dim=1) == yt[first:first + 1000]).sum())
    t2 = time.perf_counter()
    print("impl=torch_cnn_b%d_t%d train_sps=%.0f infer_sps=%.0f acc=%.2f"
          % (cn.BATCH, args.threads, n / (t1 - t0), len(xt) / (t2 - t1), 100.0 * right / len(xt)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
