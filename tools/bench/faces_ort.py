#!/usr/bin/env python3
"""Side-by-side baseline for `gateward bench faces`: the same two face models through Python
onnxruntime (same version, same session settings: 2 intra-op threads, no spinning, full graph
optimisation) on the same tensor sizes, model run time only.

Run with the venv that tools/models/build makes (it has onnxruntime 1.31.1, numpy, pillow):

    tools/models/.work/venv/bin/python tools/bench/faces_ort.py [--runs 15]

Prints the median and slowest model time in ms for the face detector on a 1920x1080 frame
searched at 1920 and at 1280 px, and for the embedder with 1 and 29 faces.
"""
import argparse
import pathlib
import statistics
import time

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]


def session(name, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(ROOT / "models" / name), so, providers=["CPUExecutionProvider"])


def frame(photo):
    """The photo scaled to 1080 px high and centred on a grey 1920x1080 canvas, as gateward."""
    img = Image.open(ROOT / "fixtures" / photo).convert("RGB")
    scale = min(1920 / img.width, 1080 / img.height)
    w, h = round(img.width * scale), round(img.height * scale)
    canvas = Image.new("RGB", (1920, 1080), (118, 118, 118))
    canvas.paste(img.resize((w, h), Image.BILINEAR), ((1920 - w) // 2, (1080 - h) // 2))
    return canvas


def detector_input(img, side):
    scale = min(1.0, side / max(img.width, img.height))
    w, h = round(img.width * scale), round(img.height * scale)
    small = np.asarray(img.resize((w, h), Image.BOX), dtype=np.float32)[:, :, ::-1]  # BGR
    tw, th = -(-w // 32) * 32, -(-h // 32) * 32
    x = np.zeros((1, 3, th, tw), np.float32)
    x[0, :, :h, :w] = (small - np.array([104, 117, 123], np.float32)).transpose(2, 0, 1)
    return x


def timed(sess, feed, runs):
    sess.run(None, feed)  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, feed)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times), max(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    det = session("retinaface_mnet025.onnx", args.threads)
    emb = session("mobilefacenet.onnx", args.threads)
    img = frame("astronaut.png")
    print(f"Python onnxruntime {ort.__version__}, {args.threads} threads, {args.runs} runs (median / slowest, ms)")
    for side in (1920, 1280):
        x = detector_input(img, side)
        med, worst = timed(det, {det.get_inputs()[0].name: x}, args.runs)
        print(f"detect: model   1920x1080 frame searched at {side} px ({x.shape[3]}x{x.shape[2]})  {med:6.1f} / {worst:6.1f}")
    rng = np.random.default_rng(0)
    for n in (1, 29):
        faces = ((rng.random((n, 112, 112, 3), np.float32) * 255) - 127.5) / 128
        med, worst = timed(emb, {emb.get_inputs()[0].name: faces}, args.runs)
        print(f"embed: model    {n:2d} face(s), one batch                           {med:6.1f} / {worst:6.1f}")


if __name__ == "__main__":
    main()
