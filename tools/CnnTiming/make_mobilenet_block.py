"""Writes the MobileNet-style blocks CnnTiming times (run with /usr/bin/python3, which has numpy and onnx):
x[1,32,32,32] -> depthwise Conv 3x3 pad 1 (group 32) -> Relu -> pointwise Conv 1x1 (32 -> 32) -> Relu.

  mobilenet_block_dense.onnx      every weight nonzero
  mobilenet_block_taps50.onnx     50% of the depthwise taps and of the pointwise weights zero (smallest magnitudes)
  mobilenet_block_taps90.onnx     90% of both
  mobilenet_block_channels50.onnx 16 of the 32 depthwise filters all zero (bias too), pointwise dense
  depthwise_<same>.onnx           the same depthwise Conv + Relu alone (to time the depthwise layer by itself)
"""
import os
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

C, H, W = 32, 32, 32
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")


def prune(w, fraction):
    if fraction == 0:
        return w
    threshold = np.quantile(np.abs(w), fraction)
    return np.where(np.abs(w) <= threshold, 0, w).astype(np.float32)


def block(name, dw, dwb, pw, pwb):
    write(name, dw, dwb, pw, pwb)
    write(name.replace("mobilenet_block", "depthwise"), dw, dwb, None, None)


def write(name, dw, dwb, pw, pwb):
    inits = [numpy_helper.from_array(a, n) for a, n in [(dw, "Wd"), (dwb, "Bd"), (pw, "Wp"), (pwb, "Bp")] if a is not None]
    nodes = [
        helper.make_node("Conv", ["x", "Wd", "Bd"], ["d"], "depthwise", kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=C),
        helper.make_node("Relu", ["d"], ["r" if pw is not None else "y"]),
    ]
    if pw is not None:
        nodes += [
            helper.make_node("Conv", ["r", "Wp", "Bp"], ["p"], "pointwise", kernel_shape=[1, 1]),
            helper.make_node("Relu", ["p"], ["y"]),
        ]
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, C, H, W])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, C, H, W])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_mobilenet_block.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(here, name + ".onnx"))


rng = np.random.default_rng(2026)
dw = rng.standard_normal((C, 1, 3, 3)).astype(np.float32) / 3
dwb = rng.standard_normal(C).astype(np.float32) * 0.1
pw = rng.standard_normal((C, C, 1, 1)).astype(np.float32) / np.sqrt(C)
pwb = rng.standard_normal(C).astype(np.float32) * 0.1
os.makedirs(here, exist_ok=True)
block("mobilenet_block_dense", dw, dwb, pw, pwb)
block("mobilenet_block_taps50", prune(dw, 0.5), dwb, prune(pw, 0.5), pwb)
block("mobilenet_block_taps90", prune(dw, 0.9), dwb, prune(pw, 0.9), pwb)
dead = dw.copy(); deadb = dwb.copy()
dead[::2] = 0; deadb[::2] = 0
block("mobilenet_block_channels50", dead, deadb, pw, pwb)
