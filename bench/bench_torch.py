#!/usr/bin/env python3
"""bench_torch.py: (f) PyTorch on the mini-batch task of bench/run.sh.

The article's network, 784-128-64-10 sigmoid, as plain torch.nn.Linear layers
and torch.sigmoid, the loss sum_j (y_j - t_j)^2 summed over the outputs and
averaged over the batch, torch.optim.SGD (no momentum, no weight decay), one
epoch. The start is the one every C program uses: bench_dump wrote the
initial weights, the sample order and the data as raw files into DIR, and
they are copied in here (nn.Linear keeps W as [out][in], so transposed).
Batches are taken in that order, B at a time, the last one holding the
remainder, exactly as bench_constnet_batch does. The clock covers the epoch,
including the indexing that gathers each batch; the data are tensors in
memory before it starts.

  bench_torch.py --dir DIR --batch B --threads T [--rate R] [--n-train N]

T is the number of threads: torch.set_num_threads(T), and the OpenBLAS that
Debian's torch calls for its matrix products is given the same count through
OPENBLAS_NUM_THREADS / OMP_NUM_THREADS (set before torch is imported, as
torch.set_num_threads does not reach OpenBLAS's own pool). T = 0 leaves
torch and OpenBLAS at their defaults.

Prints one line on stdout, as the C programs do:
  impl=torch_b<B>_t<T> train_sps=N infer_sps=N acc=P
"""
import argparse
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--rate", type=float, default=1.0)
    ap.add_argument("--n-train", type=int, default=0)
    args = ap.parse_args()
    if args.batch < 1 or args.threads < 0 or not args.rate > 0:
        ap.error("--batch must be >= 1, --threads >= 0, --rate > 0")
    if args.threads > 0:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)

    import numpy as np
    import torch

    if args.threads > 0:
        torch.set_num_threads(args.threads)
        torch.set_num_interop_threads(args.threads)

    d = args.dir
    sizes = [784, 128, 64, 10]

    def raw(name, dtype, shape=None):
        a = np.fromfile(os.path.join(d, name), dtype=dtype)
        return a if shape is None else a.reshape(shape)

    xtrain = torch.from_numpy(raw("train_x.f32", "<f4", (-1, 784)))
    ytrain = torch.from_numpy(raw("train_y.u8", np.uint8).astype(np.int64))
    xtest = torch.from_numpy(raw("test_x.f32", "<f4", (-1, 784)))
    ytest = torch.from_numpy(raw("test_y.u8", np.uint8).astype(np.int64))
    order = torch.from_numpy(raw("order.u32", "<u4").astype(np.int64))
    n_train = len(order) if args.n_train <= 0 else min(args.n_train, len(order))

    torch.manual_seed(0)  # nothing below draws; only for completeness
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 128), torch.nn.Sigmoid(),
        torch.nn.Linear(128, 64), torch.nn.Sigmoid(),
        torch.nn.Linear(64, 10), torch.nn.Sigmoid(),
    )
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for l, lin in enumerate(linears):
            w = raw("w%d.f32" % l, "<f4", (sizes[l], sizes[l + 1]))
            b = raw("b%d.f32" % l, "<f4")
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            lin.bias.copy_(torch.from_numpy(b))
    onehot = torch.eye(10, dtype=torch.float32)
    ttrain = onehot[ytrain]
    opt = torch.optim.SGD(model.parameters(), lr=args.rate)

    B = args.batch
    loss_sum = torch.zeros((), dtype=torch.float64)
    model.train()
    t0 = time.perf_counter()
    for k in range(0, n_train, B):
        idx = order[k:k + B]
        x = xtrain[idx]
        t = ttrain[idx]
        y = model(x)
        loss = ((y - t) ** 2).sum(dim=1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_sum += loss.detach() * x.shape[0]
    t1 = time.perf_counter()

    model.eval()
    correct = 0
    t2 = time.perf_counter()
    with torch.no_grad():
        for k in range(0, len(ytest), B):
            y = model(xtest[k:k + B])
            correct += int((y.argmax(dim=1) == ytest[k:k + B]).sum())
    t3 = time.perf_counter()

    impl = "torch_b%d_t%d" % (B, args.threads)
    blas_threads = -1
    try:  # Debian's torch calls the system libblas.so.3 (OpenBLAS here)
        import ctypes
        blas_threads = ctypes.CDLL("libblas.so.3").openblas_get_num_threads()
    except (OSError, AttributeError):
        pass
    print("%s: torch %s, %d thread(s) (interop %d), OpenBLAS %d thread(s), mean training loss %.6f"
          % (impl, torch.__version__, torch.get_num_threads(), torch.get_num_interop_threads(),
             blas_threads, float(loss_sum) / n_train), file=sys.stderr)
    print("impl=%s train_sps=%.0f infer_sps=%.0f acc=%.2f threads=%d blas_threads=%d"
          % (impl, n_train / (t1 - t0), len(ytest) / (t3 - t2), 100.0 * correct / len(ytest),
             torch.get_num_threads(), blas_threads))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
