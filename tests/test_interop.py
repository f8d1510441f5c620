#!/usr/bin/python3
"""tests/test_interop.py: ONNX import and the PyTorch backend, in one process (torch
is slow to import). Run by tests/tests.mk as the suite out/tests/test_interop:

    test_interop.py RT_OBJ...      (the runtime objects to link drivers and trainers with)

Checks (torch_model uses the trainer and model torch_train built):
  torch_init     the module's Net(seed) holds the C's initial weights, bit for bit
  node_tests     every libonnx-testdata node test of a supported operator is imported,
                 generated, compiled and run and matches within 1e-5 relative, or is
                 refused at import; the counts are the README's
  pytorch_mlp    an MLP trained and exported by PyTorch (torch.onnx.export) imports, its
                 generated C matches PyTorch, and the trainer evaluates it to PyTorch's accuracy
  pytorch_cnn    the same for a CNN (Conv, BatchNormalization folded, pooling), exported
                 as PyTorch does by default and with the BatchNormalizations left in
  refusals       refused operators and attributes, by exact message; the CLI writes nothing
  torch_train    the same nets trained by the C trainer and by the generated module agree
  torch_model    a model the module writes evaluates in the trainer as in the module, and
                 load_model refuses another network's file by message

Ends with Check's summary line, which tests/run.sh totals.
"""
import glob
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
import warnings

import numpy as np
import onnx
from onnx import helper, numpy_helper

ROOT = os.environ.get("CONSTNET_ROOT") or os.getcwd()
sys.path[:0] = [os.path.join(ROOT, "tools"), os.path.join(ROOT, "examples", "onnx")]
import export_mlp  # noqa: E402
import onnx_import  # noqa: E402

NODE_DIR = "/usr/share/libonnx-testdata/data/node"
# the node tests "of the supported operators": by operator name, as the package names them
NODE_OPS = ("gemm", "matmul", "relu", "leakyrelu", "sigmoid", "tanh", "softmax", "identity",
            "dropout", "flatten", "reshape", "conv", "maxpool", "averagepool", "batchnorm")
RTOL, ATOL = 1e-5, 1e-6
LUA = os.environ.get("LUA", "lua5.4")
CC = os.environ.get("CC", "cc")
OPT = os.environ.get("OPT", "-O2").split()  # the suites' flags (sanitizers too)
LIBS = os.environ.get("LIBS", "-lz -lm").split()
RT_OBJ = sys.argv[1:]
WORK = tempfile.mkdtemp(prefix="constnet-interop-", dir=os.environ.get("CONSTNET_TEST_DIR") or None)


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=kw.pop("cwd", ROOT), **kw)
    if r.returncode != 0:
        raise AssertionError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, (r.stderr or r.stdout).strip()))
    return r.stdout


def close(got, want):
    """None when got matches want within RTOL relative (ATOL near zero), else a message."""
    got, want = np.asarray(got, np.float64).reshape(-1), np.asarray(want, np.float64).reshape(-1)
    if got.shape != want.shape:
        return "%d values, expected %d" % (got.size, want.size)
    bad = ~(np.abs(got - want) <= ATOL + RTOL * np.abs(want))
    if bad.any():
        k = int(np.argmax(bad))
        return "%d of %d values off, first [%d]: %.9g, expected %.9g" % (bad.sum(), got.size, k, got[k], want[k])
    return None


# ---------------------------------------------------------------------------- C drivers
DRIVER_NET = """
#define {NAME}_INFERENCE_ONLY
#include "{name}.c"
static void run_{name}(const void *p, const double *x, double *y)
{{
    {name}_input in;
    {name}_output out;
    {name}_real *v = (void *)&in; /* a vector or an image v[C][H][W]: C order */
    for (int i = 0; i < {NAME}_IN; ++i)
        v[i] = x[i];
    {name}_predict(&out, p, &in);
    for (int j = 0; j < {NAME}_OUT; ++j)
        y[j] = out.v[j];
}}
"""
DRIVER_MAIN = r"""
typedef struct {
    const char *name;
    uint32_t fingerprint;
    unsigned real_size, n_in, n_out;
    unsigned long n_params;
    void (*run)(const void *p, const double *x, double *y);
} net;
static const net nets[] = {
@NETS@};

/* jobs: lines "NAME MODEL INPUT ROWS OUTPUT"; inputs and outputs are doubles */
int main(int argc, char **argv)
{
    char name[64], model[1024], in[1024], out[1024], err[1024];
    unsigned long rows;
    FILE *jobs = argc == 2 ? fopen(argv[1], "r") : NULL;
    while (jobs && fscanf(jobs, "%63s %1023s %1023s %lu %1023s", name, model, in, &rows, out) == 5) {
        const net *n = NULL;
        for (size_t k = 0; k < sizeof nets / sizeof nets[0]; ++k)
            if (strcmp(nets[k].name, name) == 0)
                n = &nets[k];
        const model_info info = {n->name, n->fingerprint, n->real_size, n->n_params};
        void *p = malloc(n->n_params * n->real_size);
        double *x = malloc(rows * n->n_in * sizeof *x), *y = malloc(rows * n->n_out * sizeof *y);
        FILE *fi = fopen(in, "rb"), *fo = fopen(out, "wb");
        if (model_load(model, &info, p, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        if (!fi || !fo || fread(x, sizeof *x, rows * n->n_in, fi) != rows * n->n_in)
            return 1;
        for (unsigned long r = 0; r < rows; ++r)
            n->run(p, x + r * n->n_in, y + r * n->n_out);
        if (fwrite(y, sizeof *y, rows * n->n_out, fo) != rows * n->n_out)
            return 1;
        fclose(fi);
        fclose(fo);
        free(p);
        free(x);
        free(y);
    }
    return jobs ? 0 : 1;
}
"""


def run_imported(jobs):
    """jobs: [(name, spec, model, x (rows, n_in))] -> {name: outputs (rows, n_out)}: each
    spec generated, all of them compiled into one driver, each run from its model file."""
    d = os.path.join(WORK, "drv")
    os.makedirs(d, exist_ok=True)
    src = ["#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include \"model.h\"\n"]
    entries, lines = [], []
    for name, spec, model, x in jobs:
        sh([LUA, "gen/constnet.lua", "-q", spec, "-o", d])
        src.append(DRIVER_NET.format(name=name, NAME=name.upper()))
        entries.append('    {{"{n}", {N}_FINGERPRINT, sizeof({n}_output) / {N}_OUT, {N}_IN, {N}_OUT, {N}_N_PARAMS, '
                       'run_{n}}},\n'.format(n=name, N=name.upper()))
        x = np.ascontiguousarray(x, np.float64)
        x.tofile(os.path.join(d, name + ".in"))
        lines.append("%s %s %s %d %s\n" % (name, model, os.path.join(d, name + ".in"), len(x),
                                           os.path.join(d, name + ".out")))
    src.append(DRIVER_MAIN.replace("@NETS@", "".join(entries)))
    with open(os.path.join(d, "driver.c"), "w") as f:
        f.write("".join(src))
    with open(os.path.join(d, "jobs"), "w") as f:
        f.write("".join(lines))
    sh([CC, "-std=c11", "-Wall", "-Wextra", "-Werror"] + OPT + ["-Iruntime", "-I" + d, os.path.join(d, "driver.c")]
       + RT_OBJ + LIBS + ["-o", os.path.join(d, "driver")])
    sh([os.path.join(d, "driver"), os.path.join(d, "jobs")])
    return {name: np.fromfile(os.path.join(d, name + ".out"), np.float64).reshape(len(x), -1)
            for name, _, _, x in jobs}


INIT_DUMP = r"""
#include <stdio.h>
#include <stdlib.h>
#include "model.h"
#include "train.h"
/* init_dump MODEL SEED: the network's initial parameters for SEED, as a model file */
int main(int argc, char **argv)
{
    char err[1024];
    const train_net *net = &train_net_desc;
    void *p = argc == 3 ? train_new_params(net, strtoull(argv[2], NULL, 10), err, sizeof err) : NULL;
    const model_info info = {net->name, net->fingerprint, net->real_size, net->n_params};
    if (p == NULL || model_save(argv[1], &info, p, err, sizeof err) != 0)
        return 1;
    free(p);
    return 0;
}
"""


def build_trainer(spec, d):
    """Generate spec into d and link the trainer, as make does; returns its path."""
    name = os.path.splitext(os.path.basename(spec))[0]
    sh([LUA, "gen/constnet.lua", "-q", spec, "-o", d])
    sh([LUA, "gen/constnet.lua", "-q", "--torch", spec, "-o", d])
    exe = os.path.join(d, name)
    sh([CC, "-std=c11", "-Wall", "-Wextra", "-Werror"] + OPT + ["-DCONSTNET_RUNTIME", "-Iruntime", "-I" + d,
        os.path.join(d, name + ".c"), "runtime/main.c"] + RT_OBJ + LIBS + ["-o", exe])
    return exe


# ---------------------------------------------------------------------------- checks
def node_tests():
    dirs = sorted(d for d in glob.glob(os.path.join(NODE_DIR, "test_*"))
                  if re.match(r"test_(%s)" % "|".join(NODE_OPS), os.path.basename(d)))
    assert dirs, "no node tests under " + NODE_DIR
    jobs, want, refused = [], {}, {}
    for k, d in enumerate(dirs):
        model = onnx.load(os.path.join(d, "model.onnx"))
        data = os.path.join(d, "test_data_set_0")
        inputs = []
        for i, v in enumerate(model.graph.input):
            t = onnx.TensorProto()
            with open(os.path.join(data, "input_%d.pb" % i), "rb") as f:
                t.ParseFromString(f.read())
            # a sequence or an optional: left for the import to refuse
            inputs.append(numpy_helper.to_array(t) if v.type.HasField("tensor_type") else None)
        # the node tests feed weights as inputs: every input but the first is a constant here
        bound = {i.name: v for i, v in zip(model.graph.input[1:], inputs[1:])}
        name = "node%02d" % k
        try:
            spec, weights = onnx_import.import_model(model, name, os.path.join(WORK, "node"), d, bound, LUA)
        except onnx_import.Refusal as e:
            refused[os.path.basename(d)] = str(e)
            continue
        t = onnx.TensorProto()
        with open(os.path.join(data, "output_0.pb"), "rb") as f:
            t.ParseFromString(f.read())
        x = inputs[0]
        rows = x.shape[0] if x.ndim > 1 else 1
        jobs.append((name, spec, weights, x.reshape(rows, -1)))
        want[name] = (os.path.basename(d), numpy_helper.to_array(t))
    got = run_imported(jobs)
    wrong = []
    for name, (test, y) in sorted(want.items()):
        problem = close(got[name], y)
        if problem:
            wrong.append("%s: %s" % (test, problem))
    for test, why in sorted(refused.items()):
        print("  refused %s: %s" % (test, why))
        assert why and "\n" not in why, test + ": refusal is not one line"
    print("  node tests: %d, pass %d, refused %d, wrong %d" % (len(dirs), len(want) - len(wrong), len(refused),
                                                             len(wrong)))
    assert not wrong, "wrong answers: " + "; ".join(wrong)
    with open(os.path.join(ROOT, "README.md")) as f:
        m = re.search(r"(\d+) node tests of these operators: (\d+) pass, (\d+) are refused", f.read())
    assert m, "README.md does not state the node test counts"
    assert tuple(map(int, m.groups())) == (len(dirs), len(want), len(refused)), \
        "README says %s/%s/%s; measured %d/%d/%d" % (m.groups() + (len(dirs), len(want), len(refused)))


def pytorch_mlp():
    import torch
    from torch import nn
    torch.manual_seed(1)

    class Head(nn.Module):
        """z = x W + b written out, so the export has MatMul then Add instead of Gemm"""

        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.randn(16, 10) * 0.3)
            self.b = nn.Parameter(torch.zeros(10))

        def forward(self, x):
            return torch.matmul(x, self.w) + self.b

    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.LeakyReLU(0.1), nn.Dropout(0.2),
                        nn.Linear(32, 16), nn.Tanh(), Head(), nn.Softmax(dim=1))
    x, y = export_mlp.load(os.path.join(ROOT, "tests/data"), "train")
    export_mlp.fit(mlp, x, y, epochs=3, batch=50, rate=0.01)
    path = os.path.join(WORK, "mlp.onnx")
    export_mlp.export(mlp, x, path)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert {"Flatten", "Gemm", "LeakyRelu", "Tanh", "MatMul", "Add", "Softmax"} <= set(ops), ops
    out = os.path.join(WORK, "mlp")
    r = subprocess.run([sys.executable, "tools/onnx_import.py", path, "--name", "mlp", "-o", out],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and r.stdout == "onnx_import: %s -> %s/mlp.lua, %s/mlp.model\n" % (path, out, out), \
        r.stdout + r.stderr
    # a second net: Reshape to [-1, 784], Sigmoid, and a MatMul without bias
    class Second(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(784, 20)
            self.w = nn.Parameter(torch.randn(20, 10) * 0.5)

        def forward(self, x):
            return torch.sigmoid(torch.matmul(torch.sigmoid(self.fc(x.reshape(-1, 784))), self.w))

    second = Second()
    path2 = os.path.join(WORK, "second.onnx")
    export_mlp.export(second, x, path2)
    ops = [n.op_type for n in onnx.load(path2).graph.node]
    assert {"Reshape", "Gemm", "Sigmoid", "MatMul"} <= set(ops) and "Add" not in ops, ops
    spec2, model2 = onnx_import.import_model(onnx.load(path2), "second", os.path.join(WORK, "second"), path2,
                                             lua=LUA)
    with open(spec2) as f:
        assert 'loss = "binary_cross_entropy",' in f.read()
    xt, yt = export_mlp.load(os.path.join(ROOT, "tests/data"), "t10k")
    with torch.no_grad():
        want, want2 = mlp(xt).numpy(), second(xt).numpy()
    xt = xt.reshape(len(xt), -1).numpy()
    got = run_imported([("mlp", os.path.join(out, "mlp.lua"), os.path.join(out, "mlp.model"), xt),
                        ("second", spec2, model2, xt)])
    for name, w in (("mlp", want), ("second", want2)):
        problem = close(got[name], w)
        assert problem is None, "%s: generated C against PyTorch: %s" % (name, problem)
    # the imported model in the trainer: its accuracy is PyTorch's
    exe = build_trainer(os.path.join(out, "mlp.lua"), os.path.join(WORK, "mlp_build"))
    text = sh([exe, "eval", "-q", "--load", os.path.join(out, "mlp.model"), "--data", "tests/data"])
    right = int((want.argmax(1) == yt.numpy()).sum())
    assert right > 300, "PyTorch's MLP is right on only %d of 500" % right
    assert "test accuracy: %.2f%% (%d/500)" % (right / 5, right) in text, text
    # and it fine-tunes: one epoch from the imported weights
    text = sh([exe, "-q", "--load", os.path.join(out, "mlp.model"), "--data", "tests/data", "--epochs", "1",
               "--rate", "0.001", "--save", os.path.join(WORK, "mlp_tuned.model"), "--csv", os.path.join(WORK, "t.csv"),
               "--gallery", os.path.join(WORK, "e.png")])
    assert "test accuracy:" in text, text


def pytorch_cnn():
    """A CNN trained by PyTorch, exported twice: as torch.onnx.export does by default
    (eval mode: it folds a BatchNorm2d into the Conv before it itself, and writes a Pad
    of nothing before AveragePool) and with training=PRESERVE (the BatchNormalization
    after a Conv left for the import to fold)."""
    import torch
    from torch import nn
    torch.manual_seed(2)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                        nn.BatchNorm2d(4), nn.Conv2d(4, 6, 3, stride=(1, 2), padding=(2, 1), bias=False),
                        nn.BatchNorm2d(6), nn.LeakyReLU(0.1), nn.AvgPool2d(2), nn.Flatten(), nn.Dropout(0.1),
                        nn.Linear(6 * 8 * 3, 24), nn.BatchNorm1d(24), nn.Tanh(), nn.Linear(24, 10), nn.Softmax(dim=1))
    x, y = export_mlp.load(os.path.join(ROOT, "tests/data"), "train")
    export_mlp.fit(cnn, x, y, epochs=2, batch=50, rate=0.01)
    path, path_bn = os.path.join(WORK, "cnn.onnx"), os.path.join(WORK, "cnn_bn.onnx")
    export_mlp.export(cnn, x, path)
    with warnings.catch_warnings():  # that constant folding suits eval mode only: it is in eval mode
        warnings.simplefilter("ignore", UserWarning)
        export_mlp.export(cnn, x, path_bn, training=torch.onnx.TrainingMode.PRESERVE)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert ops.count("BatchNormalization") == 2 and ops.count("Conv") == 2 and "Pad" in ops, ops
    ops = [n.op_type for n in onnx.load(path_bn).graph.node]
    assert ops.count("BatchNormalization") == 4, ops
    jobs = []
    for name, p in (("cnn", path), ("cnn_bn", path_bn)):
        spec, model = onnx_import.import_model(onnx.load(p), name, os.path.join(WORK, name), p, lua=LUA)
        jobs.append((name, spec, model))
    with open(jobs[0][1]) as f:
        text = f.read()
    for line in ("  input = { 1, 28, 28 },",
                 '  conv2d { 4, kernel = { 3, 3 }, stride = { 1, 1 }, padding = { 1, 1 }, activation = "relu" },',
                 "  maxpool2d { { 2, 2 }, stride = { 2, 2 } },",
                 '  conv2d { 4, kernel = { 1, 1 }, stride = { 1, 1 }, padding = { 0, 0 }, activation = "identity" },',
                 '  conv2d { 6, kernel = { 3, 3 }, stride = { 1, 2 }, padding = { 2, 1 }, activation = "leaky_relu", '
                 'slope = 0.10000000149011612 },',
                 "  avgpool2d { { 2, 2 }, stride = { 2, 2 } },", "  flatten {},",
                 '  dense { 24, activation = "tanh" },', '  dense { 10, activation = "softmax" },'):
        assert "\n" + line in text, "%s\nhas no line %r" % (text, line)
    xt, yt = export_mlp.load(os.path.join(ROOT, "tests/data"), "t10k")
    with torch.no_grad():
        want = cnn(xt).numpy()
    got = run_imported([(n, s, m, xt.reshape(len(xt), -1).numpy()) for n, s, m in jobs])
    for name, _, _ in jobs:
        problem = close(got[name], want)
        assert problem is None, "%s: generated C against PyTorch: %s" % (name, problem)
    # the imported model in the trainer: its accuracy is PyTorch's
    exe = build_trainer(jobs[1][1], os.path.join(WORK, "cnn_build"))
    text = sh([exe, "eval", "-q", "--load", jobs[1][2], "--data", "tests/data"])
    right = int((want.argmax(1) == yt.numpy()).sum())
    assert right > 250, "PyTorch's CNN is right on only %d of 500" % right
    assert "test accuracy: %.2f%% (%d/500)" % (right / 5, right) in text, text


def refusals():
    X = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 4])
    Y = helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["N", 3])
    W = numpy_helper.from_array(np.ones((3, 4), np.float32), "W")
    cases = [
        (helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transA=1),
         "node 'fc' (Gemm): transA=1 transposes the batch into the features; only transA=0 is supported"),
        (helper.make_node("Gemm", ["x", "W"], ["y"], name="fc", transB=1, foo=2),
         "node 'fc' (Gemm): attribute 'foo' is not supported (supported: alpha, beta, transA, transB)"),
        (helper.make_node("ConvTranspose", ["x", "W"], ["y"], name="c1"),
         "node 'c1' (ConvTranspose): operator not supported (%s)" % onnx_import.SUPPORTED),
        (helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=0),
         "node 'sm' (Softmax): softmax over axis 0 of a rank-2 tensor; only softmax over all of a sample's "
         "features (a [batch, features] tensor's axis 1) is supported"),
        (helper.make_node("Add", ["x", "W"], ["y"], name="a"),
         "node 'a' (Add): supported only as the bias of the MatMul or Gemm right before it"),
    ]
    # on an image [N, 2, 5, 6], with a 3x2 kernel for 3 filters
    XI = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["N", 2, 5, 6])
    K = numpy_helper.from_array(np.ones((3, 2, 3, 2), np.float32), "W")
    stats = [numpy_helper.from_array(np.ones(2, np.float32), n) for n in ("s", "b", "m", "v")]
    image_cases = [
        (helper.make_node("Conv", ["x", "W"], ["y"], name="c", group=2),
         "node 'c' (Conv): group=2; only group 1 is supported"),
        (helper.make_node("Conv", ["x", "W"], ["y"], name="c", dilations=[1, 2]),
         "node 'c' (Conv): dilations [1, 2]; only 1 is supported"),
        (helper.make_node("Conv", ["x", "W"], ["y"], name="c", pads=[1, 0, 0, 0]),
         "node 'c' (Conv): pads [1, 0, 0, 0] differ at the two ends of an axis (begin [1, 0], end [0, 0]); "
         "only the same padding at both ends is supported"),
        (helper.make_node("Conv", ["x", "W"], ["y"], name="c", auto_pad="SAME_UPPER"),
         "node 'c' (Conv): auto_pad SAME_UPPER pads a 6-long axis by 1 for a kernel of 2, stride 1: more at one "
         "end than the other; only the same padding at both ends is supported"),
        (helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[2, 2], ceil_mode=1),
         "node 'p' (MaxPool): ceil_mode=1 (ceil mode); only ceil_mode=0 is supported"),
        (helper.make_node("AveragePool", ["x"], ["y"], name="p", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         "node 'p' (AveragePool): pads the input; only pooling without padding is supported"),
        (helper.make_node("AveragePool", ["x"], ["y"], name="p", kernel_shape=[6, 2]),
         "node 'p' (AveragePool): a 6x2 window with stride [1, 1] does not fit the 5x6 input"),
        (helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name="bn", training_mode=1),
         "node 'bn' (BatchNormalization): training mode; only inference is supported"),
        (helper.make_node("Pad", ["x", "m"], ["y"], name="pad"),
         "node 'pad' (Pad): pads [1.0, 1.0]; only a Pad of nothing (all pads 0) is supported"),
    ]
    assert "Gemm, MatMul, Add, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Identity, Dropout, Pad, Flatten, Reshape, " \
        "Conv, MaxPool, AveragePool, BatchNormalization" in onnx_import.SUPPORTED
    for node, msg in cases + image_cases:
        if (node, msg) in image_cases:
            g = helper.make_graph([node], "g", [XI], [Y], [K] + stats)
        else:
            g = helper.make_graph([node], "g", [X], [Y], [W])
        try:
            onnx_import.convert(helper.make_model(g))
        except onnx_import.Refusal as e:
            assert str(e) == msg, "%r\n  expected %r" % (str(e), msg)
        else:
            raise AssertionError("not refused: " + msg)
    # the command line: one line, exit 1, nothing written
    g = helper.make_graph([cases[2][0]], "g", [X], [Y], [W])
    path = os.path.join(WORK, "conv.onnx")
    onnx.save(helper.make_model(g), path)
    out = os.path.join(WORK, "refused")
    r = subprocess.run([sys.executable, "tools/onnx_import.py", path, "-o", out], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 1 and r.stdout == "", (r.returncode, r.stdout)
    assert r.stderr == "%s: error: %s\n" % (path, cases[2][1]), r.stderr
    assert not os.path.exists(out) or os.listdir(out) == [], os.listdir(out)
    r = subprocess.run([sys.executable, "tools/onnx_import.py", path, "--name", "9x"], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 2 and "must be a C identifier" in r.stderr, r.stderr


TWINS = ("torch_adam", "torch_sgd", "torch_cnn")


def torch_init():
    """Net(seed) holds the C's initial weights for seed, bit for bit (float and double;
    uniform and normal draws)."""
    import torch
    d = os.path.join(WORK, "init")
    os.makedirs(d, exist_ok=True)
    sys.path.insert(0, d)
    with open(os.path.join(d, "init_dump.c"), "w") as f:
        f.write(INIT_DUMP)
    for spec, seed in (("tests/specs/torch_adam.lua", 21), ("nets/mnist.lua", 22)):
        name = os.path.splitext(os.path.basename(spec))[0]
        sh([LUA, "gen/constnet.lua", "-q", spec, "-o", d])
        sh([LUA, "gen/constnet.lua", "-q", "--torch", spec, "-o", d])
        exe = os.path.join(d, "init_" + name)
        sh([CC, "-std=c11", "-Wall", "-Wextra", "-Werror"] + OPT + ["-DCONSTNET_RUNTIME", "-Iruntime", "-I" + d,
            os.path.join(d, "init_dump.c"),
            os.path.join(d, name + ".c")] + RT_OBJ + LIBS + ["-o", exe])
        sh([exe, os.path.join(d, name + ".model"), str(seed)])
        cn = importlib.import_module(name + "_torch")
        ref = cn.Net(seed=0)
        cn.load_model(ref, os.path.join(d, name + ".model"))
        assert torch.equal(cn.to_flat(cn.Net(seed)), cn.to_flat(ref)), name + ": initial weights differ"
        assert not torch.equal(cn.to_flat(cn.Net(seed + 1)), cn.to_flat(ref)), name + ": the seed changes nothing"


def torch_train():
    """The same net, the same weights and samples: C trainer and generated module agree."""
    import torch
    d = os.path.join(WORK, "twins")
    sys.path.insert(0, d)
    for name in TWINS:
        spec = os.path.join("tests/specs", name + ".lua")
        exe = build_trainer(spec, d)
        cn = importlib.import_module(name + "_torch")
        with open(os.path.join(d, name + ".c")) as f:
            banner = f.readline()
        with open(os.path.join(d, name + "_torch.py")) as f:
            assert f.readline() == banner.replace("/* ", "# ", 1), "banners differ"
        x, y = cn.load_data(os.path.join(ROOT, "tests/data"), "train")
        net = cn.Net()
        args = []
        if name == "torch_sgd":  # from weights the module wrote, not from the seed
            net = cn.Net(seed=11)
            cn.save_model(net, os.path.join(d, "start.model"))
            args = ["--load", os.path.join(d, "start.model")]
        sh([exe, "-q", "--data", "tests/data", "--save", os.path.join(d, name + ".c.model"), "--csv",
            os.path.join(d, "t.csv"), "--gallery", os.path.join(d, "e.png")] + args)
        cn.train(net, x, y)
        ref = cn.Net()
        cn.load_model(ref, os.path.join(d, name + ".c.model"))
        a, b = cn.to_flat(net), cn.to_flat(ref)
        assert a.dtype == torch.float64 and a.numel() == cn.N_PARAMS
        diff = (a - b).abs().max().item()
        scale = b.abs().max().item()
        print("  %s: %d parameters, %d steps, largest difference %.3g (largest parameter %.3g)"
              % (name, cn.N_PARAMS, cn.EPOCHS * -(-(len(x) - int(cn.VALIDATION * len(x))) // cn.BATCH), diff, scale))
        assert diff <= 1e-9 * scale, "%s: C and PyTorch parameters differ by %g" % (name, diff)
        assert (a - cn.to_flat(cn.Net(seed=11 if args else cn.SEED))).abs().max() > 0.01, "nothing trained"


def torch_model():
    """A model file the module writes: the trainer evaluates it as the module does."""
    d = os.path.join(WORK, "twins")
    sys.path.insert(0, d)
    cn = importlib.import_module("torch_adam_torch")
    net = cn.Net()
    x, y = cn.load_data(os.path.join(ROOT, "tests/data"), "train")
    cn.train(net, x, y, epochs=1, rate=0.02, seed=4)
    path = os.path.join(d, "py.model")
    cn.save_model(net, path)
    xt, yt = cn.load_data(os.path.join(ROOT, "tests/data"), "t10k")
    right = round(cn.evaluate(net, xt, yt) * len(xt))
    assert right > 250, right
    text = sh([os.path.join(d, "torch_adam"), "eval", "-q", "--load", path, "--data", "tests/data"])
    assert text == "test accuracy: %.2f%% (%d/500) of %s\n" % (right / 5, right, path), text
    other = importlib.import_module("torch_sgd_torch")
    try:
        cn.load_model(cn.Net(), os.path.join(d, "torch_sgd.c.model"))
    except ValueError as e:
        assert str(e) == "%s: model is for network 'torch_sgd', not 'torch_adam'" \
            % os.path.join(d, "torch_sgd.c.model"), str(e)
    else:
        raise AssertionError("another network's model loaded")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    data[-9] ^= 1
    with open(path, "wb") as f:
        f.write(data)
    try:
        cn.load_model(net, path)
    except ValueError as e:
        assert str(e) == path + ": corrupt: CRC-32 mismatch", str(e)
    else:
        raise AssertionError("a corrupt model loaded")
    assert other.N_PARAMS != cn.N_PARAMS


CHECKS = [torch_init, torch_train, torch_model, node_tests, pytorch_mlp, pytorch_cnn, refusals]


def main():
    failures = errors = 0
    tap = []  # as Check writes to CK_TAP_LOG_FILE_NAME, for tests/run.sh's totals
    for k, check in enumerate(CHECKS, 1):
        try:
            check()
            print("%s: passed" % check.__name__)
            tap.append("ok %d - interop:%s" % (k, check.__name__))
        except AssertionError as e:
            failures += 1
            print("tests/test_interop.py:%d:F:interop:%s: %s"
                  % (traceback.extract_tb(e.__traceback__)[-1].lineno, check.__name__, e))
            tap.append("not ok %d - interop:%s" % (k, check.__name__))
        except Exception:
            errors += 1
            print("tests/test_interop.py:0:E:interop:%s: %s" % (check.__name__, traceback.format_exc()))
            tap.append("not ok %d - interop:%s" % (k, check.__name__))
        sys.stdout.flush()
    tap_path = os.environ.get("CK_TAP_LOG_FILE_NAME")
    if tap_path:
        with open(tap_path, "w") as f:
            f.write("\n".join(tap + ["1..%d" % len(CHECKS)]) + "\n")
    shutil.rmtree(WORK, ignore_errors=True)
    n = len(CHECKS)
    print("%d%%: Checks: %d, Failures: %d, Errors: %d" % (100 * (n - failures - errors) // n, n, failures, errors))
    return 1 if failures or errors else 0


if __name__ == "__main__":
    sys.exit(main())
