"""Run `python -m tf2onnx.convert` under numpy 2.

tf2onnx 1.17.0 still calls `np.product` (removed in numpy 2.0) when it reads TF.js weights
(tfjs_utils.py). An `np.cast[dtype](x)` alias (also removed in numpy 2.0) is restored too, as
older notes on converting these models advise, though none of the conversions made here calls
it. Both are set before tf2onnx is imported; the arguments are passed on unchanged. Used by
tools/models/build.py.
"""
import runpy
import sys

import numpy as np

if not hasattr(np, "product"):
    np.product = np.prod
if not hasattr(np, "cast"):
    class _Cast(dict):
        """np.cast[dtype](x) -> np.asarray(x).astype(dtype), as numpy 1.x had it."""

        def __missing__(self, dtype):
            return lambda x, _dtype=dtype: np.asarray(x).astype(_dtype)

    np.cast = _Cast()

if __name__ == "__main__":
    sys.argv = ["tf2onnx.convert"] + sys.argv[1:]
    runpy.run_module("tf2onnx.convert", run_name="__main__", alter_sys=True)
