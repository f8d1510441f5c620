#!/usr/bin/python3
"""tools/onnx_import.py: a trained ONNX model -> a constnet spec and a model file.

    tools/onnx_import.py model.onnx --name mlp   writes out/mlp/mlp.lua and out/mlp/mlp.model

The spec is an ordinary constnet spec: generate, evaluate, fine-tune, export it as
any other (make NET=out/mlp/mlp.lua build; ./out/mlp/mlp eval). The model file
holds the ONNX weights in constnet's layout, under the fingerprint the generator
computes for that spec (gen/constnet.lua --fingerprint), so the trainer loads it.

The graph must be one chain from one input to one output, a vector [N, F] or an
image [N, C, H, W] (input = { C, H, W }). Each operator is one
entry of OPS below; a node of any other operator, or an attribute the import
cannot honour, is refused with one line naming the node, its operator and what
is supported. Nothing is written then.

Exit status: 0 imported, 1 refused or unreadable, 2 usage error.
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import zlib

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Refusal(Exception):
    """The model cannot be imported; the message says why, in one line."""


# ---------------------------------------------------------------------------- the network
class Layer:
    """A constnet layer under construction. dense: w[in][out], b[out]; conv2d:
    w[out][in][kh][kw], b[out] (PyTorch's and ONNX's layout), kernel, stride, padding;
    maxpool2d and avgpool2d: size, stride; flatten: nothing."""

    def __init__(self, w, b, nodes, kind="dense", **geometry):
        self.kind = kind
        self.w, self.b = w, b
        self.activation, self.slope = None, None
        self.nodes = nodes        # "Op 'name'" of every ONNX node folded in, for the spec's comments
        self.open_bias = kind == "dense"  # an Add may still fold into b
        self.__dict__.update(geometry)

    @property
    def weighted(self):
        return self.kind in ("dense", "conv2d")


class State:
    """Walks the chain: the current tensor, its shape per sample, the layers so far."""

    def __init__(self, model, consts):
        self.consts = consts
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
        self.layers = []
        self.cur = None       # name of the tensor the chain has reached
        self.shape = None     # its dimensions per sample (without the batch)
        self.batch = None     # the batch dimension: an int, a name, or None for a rank-1 input
        self.image = False    # shape is [C, H, W], an image to constnet's conv2d and pooling

    def features(self):
        return int(np.prod(self.shape)) if self.shape else 1

    def open_layer(self):
        """The last layer when nothing has been applied after its weighted sum."""
        L = self.layers[-1] if self.layers else None
        return L if L is not None and L.weighted and L.activation is None else None


def node_label(node):
    return "node '%s' (%s)" % (node.name or node.output[0], node.op_type)


def attrs(node, allowed):
    """The node's attributes as a dict; any attribute not in allowed is refused."""
    out = {}
    for a in node.attribute:
        if a.name not in allowed:
            raise Refusal("%s: attribute '%s' is not supported (supported: %s)"
                          % (node_label(node), a.name, ", ".join(allowed) or "none"))
        out[a.name] = onnx.helper.get_attribute_value(a)
    return out


def const_input(st, node, i, what):
    """Input i of node, which must be a constant (an initializer or a Constant's output)."""
    if i >= len(node.input) or node.input[i] == "":
        return None
    name = node.input[i]
    if name not in st.consts:
        raise Refusal("%s: %s '%s' must be a constant (an initializer), not a computed tensor"
                      % (node_label(node), what, name))
    return st.consts[name]


def data_input(st, node, i=0):
    if len(node.input) <= i or node.input[i] != st.cur:
        raise Refusal("%s: does not continue the chain from '%s'; constnet imports one chain of "
                      "operators from one input" % (node_label(node), st.cur))


def need_flat(st, node):
    if len(st.shape) != 1:
        raise Refusal("%s: input has shape %s per sample; a dense layer needs a flat vector "
                      "(Flatten or Reshape first)" % (node_label(node), tuple(st.shape)))


def new_dense(st, node, w, b):
    st.layers.append(Layer(np.asarray(w, np.float64), np.asarray(b, np.float64), [node_label(node)]))
    st.shape = [w.shape[1]]


# ---------------------------------------------------------------------------- operators
def op_gemm(st, node):
    """Y = alpha * A' B' + beta * C: a dense layer, w = alpha B' (B transposed when
    transB), b = beta C. transA would transpose the batch into the features."""
    a = attrs(node, ("alpha", "beta", "transA", "transB"))
    data_input(st, node)
    need_flat(st, node)
    if a.get("transA", 0):
        raise Refusal("%s: transA=1 transposes the batch into the features; only transA=0 is supported"
                      % node_label(node))
    w = const_input(st, node, 1, "B")
    if w.ndim != 2:
        raise Refusal("%s: B has rank %d, must be a matrix" % (node_label(node), w.ndim))
    if a.get("transB", 0):
        w = w.T
    if w.shape[0] != st.shape[0]:
        raise Refusal("%s: B has %d rows, the input %d features" % (node_label(node), w.shape[0], st.shape[0]))
    w = np.float64(a.get("alpha", 1.0)) * w.astype(np.float64)
    c = const_input(st, node, 2, "C")
    b = np.zeros(w.shape[1])
    if c is not None:
        b = np.float64(a.get("beta", 1.0)) * bias_vector(st, node, c, w.shape[1])
    new_dense(st, node, w, b)


def bias_vector(st, node, c, n):
    """A bias broadcast to (n,): one value per output, the same for every sample."""
    c = np.asarray(c, np.float64)
    if c.ndim == 2 and c.shape[0] > 1:
        if not (c == c[:1]).all():
            raise Refusal("%s: bias of shape %s differs per batch row; only a bias per output is supported"
                          % (node_label(node), c.shape))
        c = c[:1]
    try:
        return np.broadcast_to(c.reshape(-1) if c.ndim == 2 else c, (n,)).copy()
    except ValueError:
        raise Refusal("%s: bias of shape %s does not broadcast to %d outputs"
                      % (node_label(node), c.shape, n)) from None


def op_matmul(st, node):
    """Y = A B with B a constant matrix: a dense layer without bias (an Add may follow)."""
    attrs(node, ())
    data_input(st, node)
    need_flat(st, node)
    w = const_input(st, node, 1, "B")
    if w.ndim != 2:
        raise Refusal("%s: B has rank %d; only a constant matrix is supported" % (node_label(node), w.ndim))
    if w.shape[0] != st.shape[0]:
        raise Refusal("%s: B has %d rows, the input %d features" % (node_label(node), w.shape[0], st.shape[0]))
    new_dense(st, node, w, np.zeros(w.shape[1]))


def op_add(st, node):
    """Y = X + C right after a MatMul or Gemm: folded into that layer's bias."""
    attrs(node, ())
    L = st.open_layer()
    if L is None or not L.open_bias or st.cur not in node.input[:2]:
        raise Refusal("%s: supported only as the bias of the MatMul or Gemm right before it"
                      % node_label(node))
    other = node.input[1] if node.input[0] == st.cur else node.input[0]
    L.b = L.b + bias_vector(st, node, const_input(st, node, list(node.input).index(other), "the bias"),
                            L.b.shape[0])
    L.nodes.append(node_label(node))


def flatten_image(st, nodes):
    """A flatten layer: the image as one vector, channel, row, column (C order)."""
    st.layers.append(Layer(None, None, nodes, "flatten"))
    st.shape, st.image = [st.features()], False


def carrier(st):
    """A layer that computes the identity exactly, for an activation or a
    BatchNormalization with no layer to fold into: a 1x1 convolution with an identity
    kernel on an image, an identity weight matrix on a vector."""
    if st.image:
        c = st.shape[0]
        L = Layer(np.eye(c).reshape(c, c, 1, 1), np.zeros(c), [], "conv2d", kernel=(1, 1), stride=(1, 1),
                  padding=(0, 0))
    else:
        n = st.features()
        L = Layer(np.eye(n), np.zeros(n), [])
    st.layers.append(L)
    return L


def apply_activation(st, node, name, slope=None):
    """Make name the activation of the layer before, or of a new identity layer."""
    data_input(st, node)
    if name == "softmax" and st.image:  # over all of an image's values: a dense layer's
        flatten_image(st, [])
    L = st.open_layer() or carrier(st)
    L.activation, L.slope, L.open_bias = name, slope, False
    L.nodes.append(node_label(node))


def activation(name, allowed=()):
    def op(st, node):
        a = attrs(node, allowed)
        apply_activation(st, node, name, float(a.get("alpha", 0.01)) if name == "leaky_relu" else None)
    op.__doc__ = "y = %s(x): the activation of the layer before it" % name
    return op


def op_softmax(st, node):
    """Softmax over a sample's features: the last layer's activation."""
    a = attrs(node, ("axis",))
    rank = len(st.shape) + (st.batch is not None)
    axis = a.get("axis", 1 if st.opset < 13 else -1)
    axis = axis + rank if axis < 0 else axis
    first_feature = 1 if st.batch is not None else 0
    # before opset 13 softmax ran over all dimensions from axis on
    whole = axis == first_feature and (st.opset < 13 or len(st.shape) == 1) or \
        (axis == rank - 1 and len(st.shape) == 1)
    if not whole:
        raise Refusal("%s: softmax over axis %d of a rank-%d tensor; only softmax over all of a "
                      "sample's features (a [batch, features] tensor's axis 1) is supported"
                      % (node_label(node), a.get("axis", axis), rank))
    apply_activation(st, node, "softmax")


def op_identity(st, node):
    """y = x."""
    attrs(node, ())
    data_input(st, node)


def op_dropout(st, node):
    """The identity at inference; training mode and the mask output are refused."""
    a = attrs(node, ("seed", "ratio", "is_test"))
    data_input(st, node)
    if "is_test" in a and not a["is_test"]:
        raise Refusal("%s: is_test=0 is training mode; only inference (is_test=1) is supported"
                      % node_label(node))
    mode = const_input(st, node, 2, "training_mode")
    if mode is not None and bool(np.asarray(mode).reshape(-1)[0]):
        raise Refusal("%s: training_mode is true; only inference is supported" % node_label(node))
    if len(node.output) > 1 and node.output[1]:
        raise Refusal("%s: the mask output '%s' is not supported" % (node_label(node), node.output[1]))


def op_pad(st, node):
    """A Pad of nothing (every pad 0), as PyTorch exports before an AveragePool: y = x."""
    a = attrs(node, ("mode", "pads", "value"))
    data_input(st, node)
    pads = a.get("pads") if st.opset < 11 else const_input(st, node, 1, "pads")
    if pads is None or np.any(np.asarray(pads) != 0):
        raise Refusal("%s: pads %s; only a Pad of nothing (all pads 0) is supported"
                      % (node_label(node), None if pads is None else list(np.asarray(pads).reshape(-1))))


def op_flatten(st, node):
    """[batch, ...] -> [batch, features] (axis 1): the same memory per sample."""
    a = attrs(node, ("axis",))
    data_input(st, node)
    rank = len(st.shape) + (st.batch is not None)
    axis = a.get("axis", 1)
    if (axis + rank if axis < 0 else axis) != 1 or st.batch is None:
        raise Refusal("%s: axis %d of a rank-%d tensor would fold features into the batch or the batch "
                      "into the features; only axis 1 (or %d) is supported" % (node_label(node), axis, rank, 1 - rank))
    if st.image:
        flatten_image(st, [node_label(node)])
    st.shape = [st.features()]


def op_reshape(st, node):
    """A reshape that keeps the batch dimension, to a flat vector or another shape of the
    same features: the same memory per sample."""
    a = attrs(node, ("allowzero",))
    data_input(st, node)
    target = [int(v) for v in np.asarray(const_input(st, node, 1, "shape")).reshape(-1)]
    if st.batch is None or not target:
        raise Refusal("%s: only a reshape that keeps the batch dimension is supported" % node_label(node))
    if a.get("allowzero", 0) and 0 in target:
        raise Refusal("%s: allowzero=1 with a 0 in the shape makes an empty tensor" % node_label(node))
    full = [st.batch] + st.shape
    dims = [full[k] if v == 0 else v for k, v in enumerate(target)]
    rest = dims[1:]
    if -1 in rest:
        known = int(np.prod([d for d in rest if d != -1]))
        if rest.count(-1) > 1 or known == 0 or st.features() % known:
            raise Refusal("%s: shape %s does not fit %d features per sample" % (node_label(node), target, st.features()))
        rest[rest.index(-1)] = st.features() // known
    keeps_batch = dims[0] in (-1, st.batch) and int(np.prod(rest)) == st.features()
    if not keeps_batch or any(not isinstance(d, int) or d < 1 for d in rest):
        raise Refusal("%s: reshape of %s to %s does not keep the batch dimension; only a reshape of each "
                      "sample's features (to a flat vector, as [-1, N] or [0, -1]) is supported"
                      % (node_label(node), tuple(full), target))
    if st.image and rest != st.shape:
        if len(rest) != 1:
            raise Refusal("%s: reshape of an image %s to %s; only to a flat vector (as [-1, %d]) is supported"
                          % (node_label(node), tuple(full), target, st.features()))
        flatten_image(st, [node_label(node)])
    st.shape = rest


# ---------------------------------------------------------------------------- images
def need_image(st, node):
    if not st.image:
        raise Refusal("%s: input has shape %s per sample; supported: an image [batch, C, H, W]"
                      % (node_label(node), tuple(st.shape)))


def pair_attr(node, a, key, default):
    v = tuple(int(x) for x in a.get(key, default))
    if len(v) != 2:
        raise Refusal("%s: %s %s has %d values; an image needs 2 (rows, columns)"
                      % (node_label(node), key, list(v), len(v)))
    return v


def padding(st, node, a, kernel, stride):
    """(rows, columns) of zeros on each side, from pads or auto_pad; padding that
    differs between the two ends of an axis is refused."""
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto == "NOTSET":
        p = tuple(int(x) for x in a.get("pads", (0, 0, 0, 0)))
        if len(p) != 4:
            raise Refusal("%s: pads %s has %d values; an image needs 4" % (node_label(node), list(p), len(p)))
        if p[:2] != p[2:]:
            raise Refusal("%s: pads %s differ at the two ends of an axis (begin %s, end %s); only the same "
                          "padding at both ends is supported" % (node_label(node), list(p), list(p[:2]), list(p[2:])))
        return p[:2]
    if auto == "VALID":
        return (0, 0)
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise Refusal("%s: auto_pad '%s' is not supported (supported: NOTSET, VALID, SAME_UPPER, SAME_LOWER)"
                      % (node_label(node), auto))
    pad = []
    for n, k, s in zip(st.shape[1:], kernel, stride):
        total = max((-(-n // s) - 1) * s + k - n, 0)
        if total % 2:
            raise Refusal("%s: auto_pad %s pads a %d-long axis by %d for a kernel of %d, stride %d: more at one "
                          "end than the other; only the same padding at both ends is supported"
                          % (node_label(node), auto, n, total, k, s))
        pad.append(total // 2)
    return tuple(pad)


def window_output(st, node, kernel, stride, pad):
    """The output's rows and columns (floor mode), or a refusal when the window does not fit."""
    h, w = st.shape[1] + 2 * pad[0], st.shape[2] + 2 * pad[1]
    if kernel[0] > h or kernel[1] > w or min(stride) < 1:
        raise Refusal("%s: a %dx%d window with stride %s does not fit the %dx%d input"
                      % (node_label(node), kernel[0], kernel[1], list(stride), h, w))
    return [(h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1]


def op_conv(st, node):
    """A conv2d layer: cross-correlation, W [filters, C, KH, KW] as constnet stores it;
    group 1, dilations 1, padding the same at both ends of each axis."""
    a = attrs(node, ("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"))
    data_input(st, node)
    need_image(st, node)
    if a.get("group", 1) != 1:
        raise Refusal("%s: group=%d; only group 1 is supported" % (node_label(node), a["group"]))
    if any(d != 1 for d in a.get("dilations", ())):
        raise Refusal("%s: dilations %s; only 1 is supported" % (node_label(node), list(a["dilations"])))
    w = const_input(st, node, 1, "W")
    if w.ndim != 4 or w.shape[1] != st.shape[0]:
        raise Refusal("%s: W has shape %s; for a %d-channel image it must be [filters, %d, KH, KW]"
                      % (node_label(node), tuple(w.shape), st.shape[0], st.shape[0]))
    kernel = tuple(w.shape[2:])
    if pair_attr(node, a, "kernel_shape", kernel) != kernel:
        raise Refusal("%s: kernel_shape %s differs from W's %s" % (node_label(node), list(a["kernel_shape"]),
                                                                  list(kernel)))
    stride = pair_attr(node, a, "strides", (1, 1))
    pad = padding(st, node, a, kernel, stride)
    f = w.shape[0]
    c = const_input(st, node, 2, "B")
    b = np.zeros(f)
    if c is not None:
        if c.shape != (f,):
            raise Refusal("%s: B has shape %s; it must be [%d]" % (node_label(node), tuple(c.shape), f))
        b = c.astype(np.float64)
    dims = [f] + window_output(st, node, kernel, stride, pad)
    st.layers.append(Layer(w.astype(np.float64), b, [node_label(node)], "conv2d", kernel=kernel, stride=stride,
                           padding=pad))
    st.shape = dims


def pool(kind, allowed):
    def op(st, node):
        a = attrs(node, allowed)
        data_input(st, node)
        need_image(st, node)
        if "kernel_shape" not in a:
            raise Refusal("%s: kernel_shape is missing" % node_label(node))
        for key, bad in (("ceil_mode", "ceil mode"), ("storage_order", "column-major indices")):
            if a.get(key, 0):
                raise Refusal("%s: %s=%d (%s); only %s=0 is supported" % (node_label(node), key, a[key], bad, key))
        if any(d != 1 for d in a.get("dilations", ())):
            raise Refusal("%s: dilations %s; only 1 is supported" % (node_label(node), list(a["dilations"])))
        if len(node.output) > 1 and node.output[1]:
            raise Refusal("%s: the indices output '%s' is not supported" % (node_label(node), node.output[1]))
        size = pair_attr(node, a, "kernel_shape", ())
        stride = pair_attr(node, a, "strides", (1, 1))
        if padding(st, node, a, size, stride) != (0, 0):
            raise Refusal("%s: pads the input; only pooling without padding is supported" % node_label(node))
        dims = [st.shape[0]] + window_output(st, node, size, stride, (0, 0))
        st.layers.append(Layer(None, None, [node_label(node)], kind, size=size, stride=stride))
        st.shape = dims
    op.__doc__ = "A %s layer: no padding, floor mode (ONNX's default stride is 1, not the window)" % kind
    return op


def op_batchnorm(st, node):
    """y = scale (x - mean) / sqrt(var + epsilon) + B per channel, in inference mode:
    folded, in double, into the weights and bias of the convolution or dense layer
    before it (or of an identity layer when there is none)."""
    a = attrs(node, ("epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"))
    data_input(st, node)
    if a.get("training_mode", 0) or ("is_test" in a and not a["is_test"]):
        raise Refusal("%s: training mode; only inference is supported" % node_label(node))
    if a.get("spatial", 1) != 1:
        raise Refusal("%s: spatial=0; only statistics per channel (spatial=1) are supported" % node_label(node))
    if any(node.output[1:]):
        raise Refusal("%s: the running statistics outputs are not supported" % node_label(node))
    if st.batch is None or not (st.image or len(st.shape) == 1):
        raise Refusal("%s: input has shape %s per sample; supported: [batch, C] or [batch, C, H, W]"
                      % (node_label(node), tuple(st.shape)))
    c = st.shape[0]
    v = [const_input(st, node, i, what) for i, what in enumerate(("scale", "B", "mean", "var"), 1)]
    if any(x is None or x.shape != (c,) for x in v):
        raise Refusal("%s: scale, B, mean and var must be constants of shape [%d]" % (node_label(node), c))
    scale, bias, mean, var = (x.astype(np.float64) for x in v)
    s = scale / np.sqrt(var + np.float64(a.get("epsilon", 1e-5)))
    L = st.open_layer() or carrier(st)
    if L.kind == "conv2d":
        L.w = L.w * s[:, None, None, None]
    else:
        L.w = L.w * s[None, :]
    L.b = (L.b - mean) * s + bias
    L.open_bias = False
    L.nodes.append(node_label(node))


# One entry per operator: ONNX op_type -> handler(state, node).
OPS = {
    "Gemm": op_gemm,
    "MatMul": op_matmul,
    "Add": op_add,
    "Relu": activation("relu"),
    "LeakyRelu": activation("leaky_relu", ("alpha",)),
    "Sigmoid": activation("sigmoid"),
    "Tanh": activation("tanh"),
    "Softmax": op_softmax,
    "Identity": op_identity,
    "Dropout": op_dropout,
    "Pad": op_pad,
    "Flatten": op_flatten,
    "Reshape": op_reshape,
    "Conv": op_conv,
    "MaxPool": pool("maxpool2d", ("auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order",
                                 "strides")),
    "AveragePool": pool("avgpool2d", ("auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads",
                                      "strides")),
    "BatchNormalization": op_batchnorm,
}
SUPPORTED = "supported: %s" % ", ".join(OPS)
DTYPES = {onnx.TensorProto.FLOAT: "float", onnx.TensorProto.DOUBLE: "double"}


def convert(model, bound=None):
    """The model as a list of Layers, plus (input, dtype), input being [N] or [C, H, W].
    bound maps graph input names
    to constant arrays (the node tests feed their weights as inputs)."""
    g = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    consts.update(bound or {})
    inputs = [i for i in g.input if i.name not in consts]
    if len(inputs) != 1:
        raise Refusal("the graph has %d inputs (%s); constnet networks take one"
                      % (len(inputs), ", ".join(i.name for i in inputs) or "none"))
    x = inputs[0]
    if not x.type.HasField("tensor_type"):
        raise Refusal("input '%s' is not a tensor; constnet networks take one tensor" % x.name)
    dtype = DTYPES.get(x.type.tensor_type.elem_type)
    if dtype is None:
        raise Refusal("input '%s' has element type %s; supported: float, double"
                      % (x.name, onnx.TensorProto.DataType.Name(x.type.tensor_type.elem_type)))
    dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in x.type.tensor_type.shape.dim]
    if not dims or any(not isinstance(d, int) or d < 1 for d in dims[1:]) or dims[0] == 0:
        raise Refusal("input '%s' has shape %s; constnet needs [batch, features...] with fixed, "
                      "nonzero feature sizes" % (x.name, tuple(dims)))
    st = State(model, consts)
    st.cur = x.name
    st.batch, st.shape = (None, dims) if len(dims) == 1 else (dims[0], dims[1:])
    st.image = len(dims) == 4  # [N, C, H, W]: constnet's input = { C, H, W }
    for node in g.node:
        if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
            a = attrs(node, ("value",))
            if "value" not in a:
                raise Refusal("%s: only a tensor value is supported" % node_label(node))
            consts[node.output[0]] = numpy_helper.to_array(a["value"])
            continue
        if node.op_type == "Identity" and node.domain in ("", "ai.onnx") and node.input[0] in consts:
            consts[node.output[0]] = consts[node.input[0]]  # a constant's other name, as PyTorch exports
            continue
        op = OPS.get(node.op_type) if node.domain in ("", "ai.onnx") else None
        if op is None:
            raise Refusal("%s: operator not supported (%s)" % (node_label(node), SUPPORTED))
        if st.cur not in node.input:
            raise Refusal("%s: does not continue the chain from '%s'; constnet imports one chain of "
                          "operators from one input" % (node_label(node), st.cur))
        L = st.layers[-1] if st.layers else None
        op(st, node)
        if L is not None and node.op_type != "Add":
            L.open_bias = False  # only an Add right after a MatMul or Gemm is its bias
        st.cur = node.output[0]
    outputs = [o.name for o in g.output]
    if outputs != [st.cur]:
        raise Refusal("the graph's outputs are %s; constnet networks have one, the end of the chain ('%s')"
                      % (", ".join(outputs), st.cur))
    if not st.layers or st.layers[-1].kind != "dense":
        # constnet's last layer is dense: an identity one, on the image flattened
        if st.image:
            flatten_image(st, [])
        carrier(st)
    for L in st.layers[:-1]:
        if L.activation == "softmax":
            raise Refusal("%s: softmax is supported only as the network's last operation"
                          % L.nodes[-1])
    for L in st.layers:
        if L.weighted:
            L.activation = L.activation or "identity"
    n_in = dims[1:] if len(dims) == 4 else [int(np.prod(dims[1:])) if st.batch is not None else dims[0]]
    return st.layers, n_in, dtype


# ---------------------------------------------------------------------------- output
def lua_comment(s):
    return re.sub(r"[^\x20-\x7e]", "?", s)


def pair(v):
    return "{ %d, %d }" % tuple(v)


def layer_text(L):
    """The layer's constructor, and what it carries (for its comment)."""
    what = ", ".join(L.nodes)
    if L.kind == "flatten":
        return "flatten {}", what or "no operator: the identity layer's input"
    if L.kind in ("maxpool2d", "avgpool2d"):
        return "%s { %s, stride = %s }" % (L.kind, pair(L.size), pair(L.stride)), what
    if L.kind == "dense":
        args = "%d" % L.w.shape[1]
        if L.nodes and not L.nodes[0].endswith(("(Gemm)", "(MatMul)")):
            what += ", on an identity weight matrix"
    else:
        args = "%d, kernel = %s, stride = %s, padding = %s" % (L.w.shape[0], pair(L.kernel), pair(L.stride),
                                                              pair(L.padding))
        if L.nodes and not L.nodes[0].endswith("(Conv)"):
            what += ", on an identity 1x1 kernel"
    args += ', activation = "%s"' % L.activation
    if L.slope is not None:
        args += ", slope = %r" % L.slope
    return "%s { %s }" % (L.kind, args), what if L.nodes else "no operator: an identity layer"


def spec_text(layers, n_in, dtype, name, source):
    last = layers[-1].activation
    loss = {"softmax": "cross_entropy", "sigmoid": "binary_cross_entropy"}.get(last, "squared_error")
    out = ["-- imported by tools/onnx_import.py from %s" % lua_comment(source),
           "-- weights: %s.model beside this file; the loss follows the output activation" % name,
           'return network "%s" {' % name,
           "  input = %s," % (n_in[0] if len(n_in) == 1 else "{ %d, %d, %d }" % tuple(n_in))]
    for k, L in enumerate(layers, 1):
        text, what = layer_text(L)
        out.append("  %s,  -- l%d: %s" % (text, k, lua_comment(what)))
    out += ['  loss = "%s",' % loss, '  dtype = "%s",' % dtype, "}"]
    return "\n".join(out) + "\n"


def flat_params(layers, dtype):
    """Every parameter in constnet's layout: per layer with weights, w (dense w[in][out],
    conv2d w[out][in][kh][kw]), then b[out]."""
    parts = []
    for L in layers:
        if L.weighted:
            parts += [L.w.reshape(-1), L.b.reshape(-1)]
    return np.concatenate(parts).astype("<f4" if dtype == "float" else "<f8")


def model_bytes(name, fingerprint, dtype, values):
    """A model file as runtime/model.h describes it."""
    n = name.encode()
    head = b"CNMODEL\0" + struct.pack("<IIB", 1, 30 + len(n), len(n)) + n
    head += struct.pack("<IBQ", fingerprint, 1 if dtype == "float" else 2, len(values))
    body = head + values.tobytes()
    return body + struct.pack("<I", zlib.crc32(body))


def fingerprint(spec_path, lua):
    """(name, fingerprint, dtype, n_params) of a spec, from the generator itself."""
    r = subprocess.run([lua, os.path.join(ROOT, "gen", "constnet.lua"), "--fingerprint", spec_path],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise Refusal("the generator rejected the spec: %s" % (r.stderr.strip().splitlines() or ["?"])[0])
    name, fp, dtype, n = r.stdout.split()
    return name, int(fp, 16), dtype, int(n)


def write_atomically(path, data):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def import_model(model, name, out_dir, source, bound=None, lua="lua5.4"):
    """Convert, write OUT_DIR/NAME.lua and NAME.model; returns their paths. Raises
    Refusal, writing nothing, when the model cannot be imported."""
    layers, n_in, dtype = convert(model, bound)
    text = spec_text(layers, n_in, dtype, name, source)
    os.makedirs(out_dir, exist_ok=True)
    spec_path = os.path.join(out_dir, name + ".lua")
    model_path = os.path.join(out_dir, name + ".model")
    tmp_spec = os.path.join(out_dir, ".%s.lua.tmp.%d" % (name, os.getpid()))
    with open(tmp_spec, "w") as f:
        f.write(text)
    try:
        _, fp, _, n = fingerprint(tmp_spec, lua)
        values = flat_params(layers, dtype)
        if n != len(values):
            raise Refusal("internal error: the spec has %d parameters, the model %d" % (n, len(values)))
        write_atomically(model_path, model_bytes(name, fp, dtype, values))
        os.replace(tmp_spec, spec_path)
    finally:
        if os.path.exists(tmp_spec):
            os.remove(tmp_spec)
    return spec_path, model_path


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="tools/onnx_import.py",
        description="Import a trained ONNX model as a constnet spec plus a model file with its weights.",
        epilog="Supported operators: %s. Exit status: 0 imported, 1 refused or unreadable, "
               "2 usage error." % ", ".join(OPS))
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--name", help="network name, a C identifier (default: from the file name)")
    p.add_argument("-o", "--out", help="directory for NAME.lua and NAME.model (default: out/NAME)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    a = p.parse_args(argv)
    name = a.name or re.sub(r"\W", "_", os.path.splitext(os.path.basename(a.model))[0])
    if not a.name and not re.match(r"[A-Za-z_]", name):
        name = "net_" + name
    if not re.fullmatch(r"[A-Za-z_]\w{0,31}", name):
        print("onnx_import: error: --name '%s' must be a C identifier of at most 32 characters" % name,
              file=sys.stderr)
        return 2
    try:
        model = onnx.load(a.model)
    except Exception as e:  # onnx raises DecodeError, OSError, ...
        print("%s: error: cannot read ONNX: %s" % (a.model, str(e).splitlines()[0] if str(e) else type(e).__name__),
              file=sys.stderr)
        return 1
    try:
        spec, weights = import_model(model, name, a.out or os.path.join("out", name), a.model)
    except Refusal as e:
        print("%s: error: %s" % (a.model, e), file=sys.stderr)
        return 1
    except OSError as e:
        print("%s: error: %s" % (a.model, e), file=sys.stderr)
        return 1
    if not a.quiet:
        print("onnx_import: %s -> %s, %s" % (a.model, spec, weights))
    return 0


if __name__ == "__main__":
    sys.exit(main())
