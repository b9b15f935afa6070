"""INT8 versions of the model pack, made with onnxruntime.quantization and measured.

Run through tools/models/quantize, which makes the venv (tools/models/.work/venvq) from
requirements-quantize.txt. Steps:

1. calibration inputs, made here from images that are NOT the test images: scikit-image
   0.26.0's data images (its wheel, pinned in build.py) and LFW faces (skimage/data/lfw_subset.npy),
   and Chinese plates rendered here (random strings, Noto Sans CJK) pasted onto those images;
   each is pre-processed exactly as the Rust code does (sizes, colour order, mean/std, layout);
2. per model, static quantisation (MinMax calibration, u8 activations, s8 per-channel weights)
   of the FP32 file after quant_pre_process, in QDQ and QOperator formats;
3. accuracy on the test images (fixtures/, frames of fixtures/clips, the shared plate photos)
   against the FP32 model on the same inputs, with a bar per model; the best variant that holds
   it is written to models/<stem>.int8.onnx, a model with none stays FP32;
4. speed (median ms, graph optimisation all, 1 and 2 intra-op threads) FP32 vs INT8;
5. results to .work/quant/results.json, and the int8_* keys of models/manifest.toml and the
   INT8 section of models/MODELS.md.

Usage: quantize [--only ID[,ID]] [--skip-speed] [--runs N]
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build  # noqa: E402  (helpers: fetch, member, load_rgb, ssd_decode, nms, warps, ctc)

from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

ROOT = build.ROOT
MODELS = build.MODELS
Q = build.WORK / "quant"
FIXTURES = ROOT / "fixtures"
SHARED = Path(os.environ.get("GATEWARD_SHARED", ROOT.parent / "shared"))
PLATES = SHARED / "fixtures" / "plates-cn"
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
FONT_INDEX = 2  # Noto Sans CJK SC

# Pre-processing as src/vision/* does it (also in manifest.toml).
RETINA_MEAN = np.array([104.0, 117.0, 123.0], np.float32)  # BGR, std 1
FACE_SIDE = 1280  # [vision] face_detect_side
PLATE_SIDE = 1120  # [vision] plate_detect_side
MULTIPLE = 32
FACE_SCORE, FACE_NMS = 0.5, 0.4
FACE_STEPS, FACE_SIZES = [8, 16, 32], [[16, 32], [64, 128], [256, 512]]
PLATE_SCORE, PLATE_NMS = 0.5, 0.4
PLATE_SIZES = [[24, 48], [96, 192], [384, 768]]
NANO = 416
NANO_MEAN = np.array([103.53, 116.28, 123.675], np.float32)
NANO_STD = np.array([57.375, 57.12, 58.395], np.float32)
VEHICLE_CLASSES = {2: "car", 3: "motorcycle", 5: "bus", 7: "truck"}
VEHICLE_SCORE, VEHICLE_NMS = 0.35, 0.6
SINGLE_ROW, DOUBLE_ROW = (224, 64), (192, 112)
DOUBLE_ROW_ASPECT = 2.45
RECTIFY_MARGIN = (0.06, 0.12)
UPPER_ROW, LOWER_ROW = (0.0, 0.42), (0.36, 1.0)
TEXT_MIN_WIDTH = 288

ORDER = ["face_detect", "face_embed", "plate_detect", "plate_read", "text_read", "vehicle_detect"]


def jsonable(o):
    """json.dumps default: numpy scalars as Python ones."""
    return o.item() if hasattr(o, "item") else str(o)


def log(msg: str) -> None:
    build.log(msg)


# --------------------------------------------------------------------------------------------
# Tensors, as the Rust code builds them
# --------------------------------------------------------------------------------------------

def resize(im: Image.Image, w: int, h: int) -> Image.Image:
    """image_ops::resize: a bilinear convolution (its support grows when shrinking), as PIL's."""
    if im.size == (w, h):
        return im
    return im.resize((w, h), Image.BILINEAR)


def working_size(w: int, h: int, max_side: int) -> tuple[int, int]:
    longer = max(w, h)
    if longer <= max_side:
        return w, h
    s = max_side / longer
    return min(max(round(w * s), 1), max_side), min(max(round(h * s), 1), max_side)


def detector_tensor(im: Image.Image, max_side: int) -> tuple[np.ndarray, float]:
    """anchors::prepare: shrink to max_side, BGR - mean, pad right/bottom to a multiple of 32
    with tensor value 0. Returns the tensor and the scale back to original pixels."""
    ww, wh = working_size(im.width, im.height, max_side)
    x = np.asarray(resize(im, ww, wh), np.float32)[..., ::-1] - RETINA_MEAN
    tw, th = -(-ww // MULTIPLE) * MULTIPLE, -(-wh // MULTIPLE) * MULTIPLE
    t = np.zeros((1, 3, th, tw), np.float32)
    t[0, :, :wh, :ww] = x.transpose(2, 0, 1)
    return t, im.width / ww


def nanodet_tensor(im: Image.Image) -> tuple[np.ndarray, tuple[float, int, int]]:
    """vehicle_detect: letterbox to 416x416 (aspect kept, centred, black bars), BGR,
    (x - mean) / std, NCHW."""
    s = min(NANO / im.width, NANO / im.height)
    rw = max(1, min(NANO, round(im.width * s)))
    rh = max(1, min(NANO, round(im.height * s)))
    ox, oy = (NANO - rw) // 2, (NANO - rh) // 2
    canvas = Image.new("RGB", (NANO, NANO), (0, 0, 0))
    canvas.paste(resize(im, rw, rh), (ox, oy))
    x = (np.asarray(canvas, np.float32)[..., ::-1] - NANO_MEAN) / NANO_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None]), (im.width / rw, ox, oy)


def embed_tensor(faces: list[Image.Image]) -> np.ndarray:
    """face_embed: aligned 112x112 RGB, (x - 127.5) / 128, NHWC."""
    return np.stack([(np.asarray(f, np.float32) - 127.5) / 128.0 for f in faces])


def line_tensor(line: Image.Image, height: int, multiple: int, min_width: int) -> np.ndarray:
    """plate_read::LineReader::read: height fixed, width kept in proportion and rounded up to
    `multiple`, BGR (x - 127.5) / 127.5, zeros on the right up to min_width."""
    w = round(line.width * height / line.height)
    w = -(-min(max(w, multiple), 1024) // multiple) * multiple
    x = (np.asarray(resize(line, w, height), np.float32)[..., ::-1] - 127.5) / 127.5
    t = np.zeros((1, 3, height, max(w, min_width)), np.float32)
    t[0, :, :, :w] = x.transpose(2, 0, 1)
    return t


# --------------------------------------------------------------------------------------------
# Decoding (as src/vision does; NMS and priors from build.py)
# --------------------------------------------------------------------------------------------

def detect_anchored(sess, im, side, input_name, sizes, score, nms):
    """The RetinaFace-style detectors (faces, plates): boxes and points in the image's pixels."""
    t, s = detector_tensor(im, side)
    loc, conf, lms = sess.run(None, {input_name: t})
    dets = build.ssd_decode(loc[0], conf[0], lms[0], t.shape[2], t.shape[3], FACE_STEPS,
                            sizes, score, nms)
    return [(sc, box * s, pts * s) for sc, box, pts in dets]


def detect_faces(sess, im):
    return detect_anchored(sess, im, FACE_SIDE, "input", FACE_SIZES, FACE_SCORE, FACE_NMS)


def detect_plates(sess, im):
    return detect_anchored(sess, im, PLATE_SIDE, "image", PLATE_SIZES, PLATE_SCORE, PLATE_NMS)


def detect_vehicles(sess, im):
    t, (s, ox, oy) = nanodet_tensor(im)
    boxes, scores = sess.run(None, {"images": t})
    boxes, scores = boxes[0], scores[0]
    out = []
    for c, name in VEHICLE_CLASSES.items():
        idx = np.nonzero(scores[:, c] > VEHICLE_SCORE)[0]
        for k in build.nms(boxes[idx], scores[idx, c], VEHICLE_NMS):
            b = boxes[idx[k]]
            box = np.array([(b[0] - ox) * s, (b[1] - oy) * s, (b[2] - ox) * s, (b[3] - oy) * s])
            out.append((float(scores[idx[k], c]), box, name))
    return sorted(out, key=lambda d: -d[0])


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def match(ref, got, same=lambda a, b: True):
    """Greedy match by IoU (>= 0.5) of detections (score, box, ...): list of pairs, the
    unmatched of ref and of got."""
    pairs, used = [], set()
    for r in ref:
        best, bi = 0.5, None
        for j, g in enumerate(got):
            if j in used or not same(r, g):
                continue
            v = iou(r[1], g[1])
            if v >= best:
                best, bi = v, j
        if bi is not None:
            used.add(bi)
            pairs.append((r, got[bi], best))
    matched_ref = {id(p[0]) for p in pairs}
    return pairs, [r for r in ref if id(r) not in matched_ref], [g for j, g in enumerate(got) if j not in used]


ARCFACE = build.ARCFACE_112


def align(im: Image.Image, pts: np.ndarray) -> Image.Image:
    """align.rs: similarity transform onto the ArcFace template; area-average first when
    shrinking by more than 2x."""
    m = build.similarity_transform(np.asarray(pts, float), ARCFACE)
    scale = math.sqrt(abs(np.linalg.det(m[:2, :2])))
    f = int(1 / scale / 2) if scale < 0.5 else 1
    if f > 1:
        im = im.reduce(f)
        pts = np.asarray(pts, float) / f
        m = build.similarity_transform(pts, ARCFACE)
    return build.warp_affine(im, m, (112, 112))


def rectify(im: Image.Image, corners: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """plate_detect::rectify: the 4 corners (TL, TR, BR, BL) with RECTIFY_MARGIN of the plate's
    width/height on every side, perspective-warped to size."""
    w, h = size
    mx, my = RECTIFY_MARGIN
    a, b = w * mx / (1 + 2 * mx), h * my / (1 + 2 * my)
    dst = np.array([[a, b], [w - a, b], [w - a, h - b], [a, h - b]])
    return build.warp_quad(im, corners, size, dst)


def plate_lines(im: Image.Image, pts: np.ndarray) -> tuple[list[Image.Image], bool]:
    """The rectified rows of a detected plate (detector order BR, BL, TL, TR)."""
    br, bl, tl, tr = pts
    corners = np.array([tl, tr, br, bl])
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    double = height > 0 and width / height < DOUBLE_ROW_ASPECT
    r = rectify(im, corners, DOUBLE_ROW if double else SINGLE_ROW)
    if not double:
        return [r], False
    band = lambda f, t: r.crop((0, round(f * r.height), r.width, round(t * r.height)))  # noqa: E731
    return [band(*UPPER_ROW), band(*LOWER_ROW)], True


# --------------------------------------------------------------------------------------------
# Images: calibration (not test images) and test
# --------------------------------------------------------------------------------------------

SK_COLOUR = ["chelsea", "coffee", "rocket", "motorcycle_left", "motorcycle_right", "hubble_deep_field",
             "ihc", "retina", "logo", "color", "grass", "gravel", "brick", "camera", "page",
             "text", "coins", "moon", "horse", "cell", "clock_motion"]
SK_EXT = {"hubble_deep_field": "jpg", "retina": "jpg", "rocket": "jpg"}


def skimage_images() -> tuple[dict[str, Image.Image], np.ndarray]:
    wheel = build.fetch("scikit-image", False)
    ims = {}
    for n in SK_COLOUR:
        data = build.member(wheel, f"skimage/data/{n}.{SK_EXT.get(n, 'png')}")
        ims[n] = build.load_rgb(data)
    lfw = np.load(io.BytesIO(build.member(wheel, "skimage/data/lfw_subset.npy")))
    return ims, lfw[:100]  # the first 100 are faces, the rest non-faces


def cover(im: Image.Image, w: int, h: int, rng) -> Image.Image:
    """A random w x h view of im, scaled to cover it."""
    s = max(w / im.width, h / im.height) * rng.uniform(1.0, 1.6)
    big = im.resize((max(w, round(im.width * s)), max(h, round(im.height * s))), Image.BILINEAR)
    x = int(rng.integers(0, big.width - w + 1))
    y = int(rng.integers(0, big.height - h + 1))
    return big.crop((x, y, x + w, y + h))


PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
ALNUM = "0123456789" + LETTERS
PLATE_STYLES = {
    # background, characters (RGB)
    "blue": ((16, 62, 170), (246, 246, 246)),
    "yellow": ((246, 188, 18), (18, 18, 18)),
    "green": ((120, 200, 120), (18, 18, 18)),
    "black": ((20, 20, 20), (246, 246, 246)),
    "white": ((240, 240, 240), (18, 18, 18)),
}


def plate_text(rng, colour: str) -> str:
    n = 6 if colour == "green" else 5
    tail = "".join(rng.choice(list(ALNUM), n))
    if colour == "black" and rng.random() < 0.5:
        tail = tail[:4] + "港"
    return rng.choice(list(PROVINCES)) + rng.choice(list(LETTERS)) + tail


_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def glyph(ch: str, w: int, h: int, fg, bg) -> Image.Image:
    """One character squeezed into a w x h cell."""
    font = _FONTS.setdefault(0, ImageFont.truetype(str(FONT), 200, index=FONT_INDEX))
    box = font.getbbox(ch)
    g = Image.new("RGB", (box[2] - box[0] + 4, box[3] - box[1] + 4), bg)
    ImageDraw.Draw(g).text((2 - box[0], 2 - box[1]), ch, font=font, fill=fg)
    return g.resize((w, h), Image.LANCZOS)


def draw_plate(text: str, colour: str, double: bool) -> Image.Image:
    """A flat plate at 1 px per mm: 440x140 (single row) or 440x220 (two rows), characters
    45x90 in the GA 36 layout (wider plates for 8 characters)."""
    bg, fg = PLATE_STYLES[colour]
    if double:
        p = Image.new("RGB", (440, 220), bg)
        for i, ch in enumerate(text[:2]):
            p.paste(glyph(ch, 80, 60, fg, bg), (110 + i * 140, 15))
        for i, ch in enumerate(text[2:]):
            p.paste(glyph(ch, 65, 110, fg, bg), (27 + i * 80, 90))
    else:
        wide = len(text) > 7
        p = Image.new("RGB", (480 if wide else 440, 140), bg)
        step = 57 if not wide else 55
        x = 15.5
        for i, ch in enumerate(text):
            p.paste(glyph(ch, 45 if not wide else 43, 90, fg, bg), (round(x), 25))
            x += step + (22 if i == 1 else 0)
    ImageDraw.Draw(p).rectangle((2, 2, p.width - 3, p.height - 3), outline=fg, width=3)
    return p


def paste_plate(canvas: Image.Image, plate: Image.Image, x: float, y: float, w: float, rng):
    """Pastes the plate with a mild perspective at (x, y), width w; softened like a photo."""
    h = w * plate.height / plate.width
    j = lambda: rng.uniform(-0.08, 0.08) * h  # noqa: E731
    quad = np.array([[x + j(), y + j()], [x + w + j(), y + j()], [x + w + j(), y + h + j()],
                     [x + j(), y + h + j()]])
    x0, y0 = np.floor(quad.min(0)).astype(int)
    x1, y1 = np.ceil(quad.max(0)).astype(int)
    ow, oh = x1 - x0, y1 - y0
    # coefficients mapping output (local) -> plate pixels
    src = np.array([[0, 0], [plate.width, 0], [plate.width, plate.height], [0, plate.height]], float)
    rows, rhs = [], []
    for (u, v), (X, Y) in zip(src, quad - [x0, y0]):
        rows.append([X, Y, 1, 0, 0, 0, -u * X, -u * Y])
        rhs.append(u)
        rows.append([0, 0, 0, X, Y, 1, -v * X, -v * Y])
        rhs.append(v)
    coef = tuple(np.linalg.solve(np.array(rows), np.array(rhs)))
    warped = plate.transform((ow, oh), Image.PERSPECTIVE, coef, Image.BICUBIC)
    mask = Image.new("L", plate.size, 255).transform((ow, oh), Image.PERSPECTIVE, coef, Image.BILINEAR)
    warped = warped.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.2)))
    canvas.paste(warped, (int(x0), int(y0)), mask)


def noisy(im: Image.Image, rng, sigma: float) -> Image.Image:
    a = np.asarray(im, np.float32) + rng.normal(0, sigma, (im.height, im.width, 3))
    return Image.fromarray(a.clip(0, 255).astype(np.uint8))


def lfw_face(lfw: np.ndarray, i: int, size: int, tint) -> Image.Image:
    g = (lfw[i] * 255).clip(0, 255).astype(np.uint8)
    rgb = np.stack([g * tint[0], g * tint[1], g * tint[2]], -1).clip(0, 255).astype(np.uint8)
    return Image.fromarray(rgb).resize((size, size), Image.BICUBIC)


def calibration_frames(sk, lfw, rng, n_faces: int, n_plates: int, w: int, h: int):
    """Frames made of scikit-image backgrounds with LFW faces (n_faces) and rendered plates
    (n_plates) pasted on them."""
    names = list(sk)
    bg = cover(sk[names[int(rng.integers(len(names)))]], w, h, rng)
    for _ in range(n_faces):
        s = int(rng.integers(28, 200))
        tint = (rng.uniform(0.9, 1.1), rng.uniform(0.8, 1.0), rng.uniform(0.7, 0.95))
        f = lfw_face(lfw, int(rng.integers(len(lfw))), s, tint)
        bg.paste(f, (int(rng.integers(0, w - s)), int(rng.integers(0, h - s))))
    for _ in range(n_plates):
        colour = rng.choice(list(PLATE_STYLES))
        double = colour == "yellow" and rng.random() < 0.4
        p = draw_plate(plate_text(rng, colour), colour, double)
        pw = rng.uniform(60, 320)
        paste_plate(bg, p, rng.uniform(0, w - pw - 5), rng.uniform(0, h - pw * 0.5 - 5), pw, rng)
    return noisy(bg, rng, rng.uniform(1, 4))


def calibration_sets(sess_fp32) -> dict[str, list[dict[str, np.ndarray]]]:
    sk, lfw = skimage_images()
    rng = np.random.default_rng(20261206)
    sets: dict[str, list] = {k: [] for k in ORDER}
    names_bg = ["coffee", "chelsea", "rocket", "motorcycle_left", "brick", "grass", "camera", "ihc"]
    # face_detect: 1080p-like frames (shrunk to 1280 side by the tensor) and the photos alone
    frames = []
    for i in range(24):
        fw, fh = [(1920, 1080), (1280, 720), (1280, 960), (800, 600)][i % 4]
        frames.append(calibration_frames(sk, lfw, rng, int(rng.integers(2, 14)), int(rng.integers(0, 3)), fw, fh))
    photos = [sk[n] for n in ["camera", "chelsea", "coffee", "rocket", "motorcycle_left", "horse"]]
    # whole photos filling a 1280x720 frame (large objects, smooth areas, as a camera sees them)
    big = [cover(sk[n], 1280, 720, rng) for n in SK_COLOUR]
    # large faces close to the camera
    for i in range(8):
        canvas = cover(sk[names_bg[i % len(names_bg)]], 1280, 720, rng)
        for _ in range(2):
            s = int(rng.integers(200, 560))
            tint = (rng.uniform(0.9, 1.1), rng.uniform(0.8, 1.0), rng.uniform(0.7, 0.95))
            canvas.paste(lfw_face(lfw, int(rng.integers(len(lfw))), s, tint),
                         (int(rng.integers(0, 1280 - s)), int(rng.integers(0, 720 - min(s, 700)))))
        big.append(canvas)
    for im in frames + photos + big:
        sets["face_detect"].append({"input": detector_tensor(im, FACE_SIDE)[0]})
    # face_embed: LFW faces shown at 100-180 px on a background, found and aligned by the
    # FP32 detector as the pipeline does; the camera man too
    faces = []
    for i in range(len(lfw)):
        s = int(rng.integers(100, 180))
        tint = (rng.uniform(0.9, 1.1), rng.uniform(0.8, 1.0), rng.uniform(0.7, 0.95))
        canvas = cover(sk[rng.choice(["coffee", "chelsea", "grass", "brick", "color"])], 2 * s, 2 * s, rng)
        canvas.paste(lfw_face(lfw, i, s, tint), (s // 2, s // 2))
        for sc, box, pts in detect_faces(sess_fp32["face_detect"], canvas)[:1]:
            faces.append(align(canvas, pts))
    for sc, box, pts in detect_faces(sess_fp32["face_detect"], sk["camera"])[:1]:
        faces.append(align(sk["camera"], pts))
    log(f"calibration: {len(faces)} aligned faces of {len(lfw) + 1}")
    for i in range(0, len(faces), 4):
        sets["face_embed"].append({"input": embed_tensor(faces[i:i + 4])})
    # plate_detect: frames with 1-5 plates (and a few faces), as shrunk to 1120
    pframes = []
    for i in range(24):
        fw, fh = [(1920, 1080), (1280, 720), (1920, 1080), (1000, 750)][i % 4]
        pframes.append(calibration_frames(sk, lfw, rng, int(rng.integers(0, 3)), int(rng.integers(1, 6)), fw, fh))
    pbig = [cover(sk[n], 1120, 630, rng) for n in SK_COLOUR]
    for im in pframes + photos[:3] + pbig:
        sets["plate_detect"].append({"image": detector_tensor(im, PLATE_SIDE)[0]})
    # plate_read / text_read: rendered plates, mildly warped and softened, found by the FP32
    # plate detector and rectified as the pipeline does
    lines = []
    for i in range(60):
        colour = ["blue", "yellow", "green", "black", "white"][i % 5]
        double = colour == "yellow" and i % 2 == 0
        p = draw_plate(plate_text(rng, colour), colour, double)
        pw = rng.uniform(110, 300)
        canvas = cover(sk[rng.choice(["coffee", "chelsea", "motorcycle_left", "rocket", "brick"])],
                       int(pw * 2), int(pw * 1.2), rng)
        paste_plate(canvas, p, pw * 0.5, pw * 0.35, pw, rng)
        canvas = noisy(canvas, rng, rng.uniform(1, 5))
        for sc, box, pts in detect_plates(sess_fp32["plate_detect"], canvas)[:1]:
            ls, _ = plate_lines(canvas, pts)
            lines.extend(ls)
    log(f"calibration: {len(lines)} plate lines from 60 rendered plates")
    for ln in lines:
        sets["plate_read"].append({"x": line_tensor(ln, 32, 4, 0)})
        sets["text_read"].append({"x": line_tensor(ln, 48, 8, TEXT_MIN_WIDTH)})
    # vehicle_detect: the scikit-image photos and the plate frames, letterboxed
    for im in list(sk.values()) + pframes + frames[:8]:
        sets["vehicle_detect"].append({"images": nanodet_tensor(im)[0]})
    return sets


def clip_frames() -> list[tuple[str, Image.Image]]:
    """A few frames of every fixture clip (test images)."""
    out = []
    d = Q / "frames"
    d.mkdir(parents=True, exist_ok=True)
    for clip in sorted((FIXTURES / "clips").glob("*.mp4")):
        pat = d / f"{clip.stem}-%02d.png"
        if not list(d.glob(f"{clip.stem}-*.png")):
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-vf", "fps=1",
                            "-frames:v", "8", str(pat)], check=True)
        for f in sorted(d.glob(f"{clip.stem}-*.png")):
            out.append((f.stem, Image.open(f).convert("RGB")))
    return out


def test_images() -> dict[str, list[tuple[str, Image.Image]]]:
    fx = lambda n: (Path(n).stem, build.load_rgb((FIXTURES / n).read_bytes()))  # noqa: E731
    faces = [fx(n) for n in ["obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face.jpg",
                             "obama_partial_face2.jpg", "biden.jpg", "32bit.png", "astronaut.png",
                             "solvay-1927.png"]]
    faces += [fx(p.name) for p in sorted(FIXTURES.glob("solvay-*.jpg"))]
    cars = [fx(p.name) for p in sorted(FIXTURES.glob("car-*")) + sorted(FIXTURES.glob("truck-*"))]
    frames = clip_frames()
    plates = []
    if PLATES.is_dir():
        plates = [(p.stem, build.load_rgb(p.read_bytes()))
                  for p in sorted(PLATES.iterdir()) if p.suffix in (".jpg", ".png")]
    else:
        log(f"WARNING: {PLATES} missing: plate accuracy not measured")
    return {"faces": faces, "cars": cars, "frames": frames, "plates": plates}


# --------------------------------------------------------------------------------------------
# Quantisation
# --------------------------------------------------------------------------------------------

def session(path_or_bytes, threads: int = 1):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    src = str(path_or_bytes) if isinstance(path_or_bytes, Path) else path_or_bytes
    return ort.InferenceSession(src, sess_options=so, providers=["CPUExecutionProvider"])


class Reader:
    def __init__(self, data: list[dict[str, np.ndarray]]):
        self.it = iter(data)

    def get_next(self):
        return next(self.it, None)

    def rewind(self):
        pass


VARIANTS = {
    # every op type the quantiser knows
    "qdq": dict(fmt="QDQ", ops=None, heads=True),
    "qop": dict(fmt="QOperator", ops=None, heads=True),
    # convolutions only, and not the last convolution of each output head (no Conv follows
    # it on the way to an output): the heads' fine offsets and scores stay float
    "qdq-conv": dict(fmt="QDQ", ops=["Conv"], heads=False),
    "qop-conv": dict(fmt="QOperator", ops=["Conv"], heads=False),
    # 7-bit weights (reduce_range): fewer large products to saturate
    "qdq-rr": dict(fmt="QDQ", ops=None, heads=True, rr=True),
    "qdq-conv-rr": dict(fmt="QDQ", ops=["Conv"], heads=False, rr=True),
    # Percentile calibration (99.999th percentile of |x|, histograms over inputs of one shape)
    "qdq-pct": dict(fmt="QDQ", ops=None, heads=True, method="pct"),
    "qdq-conv-pct": dict(fmt="QDQ", ops=["Conv"], heads=False, method="pct"),
}

# The variants each model tries by default: every format and option above was tried on each
# model while this tool was written (see MODELS.md, "INT8 versions"); these are the ones left
# worth trying.
DEFAULT_VARIANTS = {
    "face_detect": ["qdq-pct", "qdq-conv-pct", "qdq-rr"],
    "face_embed": ["qdq-conv", "qdq-conv-pct"],
    "plate_detect": ["qdq-pct", "qdq-conv-pct", "qdq-conv"],
    "plate_read": ["qop-conv"],
    "text_read": ["qdq-conv", "qdq-conv-pct"],
    "vehicle_detect": ["qdq-conv", "qdq-conv-pct", "qdq-conv-rr"],
}


def head_convs(path: Path) -> list[str]:
    """Conv nodes after which no other Conv lies on the way to any output."""
    import onnx
    g = onnx.load(str(path)).graph
    consumers: dict[str, list] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    memo: dict[str, bool] = {}

    def conv_below(n) -> bool:  # does a Conv lie downstream of n (not n itself)?
        key = n.name or id(n)
        if key in memo:
            return memo[key]
        memo[key] = False
        r = any(c.op_type == "Conv" or conv_below(c) for o in n.output for c in consumers.get(o, []))
        memo[key] = r
        return r
    return [n.name for n in g.node if n.op_type == "Conv" and not conv_below(n)]


def preprocess(mid: str, src: Path) -> Path:
    from onnxruntime.quantization.shape_inference import quant_pre_process
    import onnx
    out = Q / f"{mid}.pre.onnx"
    model = onnx.load(str(src))
    # Paddle exports give dynamic dimensions as dim_value -1; shape inference then computes
    # with -1 as a size (a Reshape target of product 0): name them instead.
    fixed = False
    for vi in list(model.graph.input) + list(model.graph.output) + list(model.graph.value_info):
        for k, d in enumerate(vi.type.tensor_type.shape.dim):
            if d.HasField("dim_value") and d.dim_value < 0:
                d.dim_param = f"{vi.name.replace('/', '_')}_d{k}"
                fixed = True
    if fixed:
        src = Q / f"{mid}.named-dims.onnx"
        onnx.save(model, str(src))
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset < 13:  # per-channel DequantizeLinear (its axis attribute) needs opset 13
        conv = Q / f"{mid}.opset13.onnx"
        onnx.save(onnx.version_converter.convert_version(model, 13), str(conv))
        try:
            session(conv)
            src = conv
        except Exception as e:
            log(f"{mid}: the opset-13 conversion does not load ({str(e)[:100]}): opset {opset}, QOperator only")
    try:
        quant_pre_process(str(src), str(out), skip_symbolic_shape=False)
    except Exception as e:  # symbolic shape inference gives up on some graphs
        log(f"{mid}: symbolic shape inference failed ({str(e)[:120]}); ONNX shape inference only")
        quant_pre_process(str(src), str(out), skip_symbolic_shape=True)
    return out


def quantize(mid: str, pre: Path, data, variant: str, exclude: list[str]) -> Path:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    out = Q / f"{mid}.{variant}.onnx"
    v = VARIANTS[variant]
    extra = {"ActivationSymmetric": False, "WeightSymmetric": True}
    method = CalibrationMethod.MinMax
    if v.get("method") == "pct":
        # histograms need one shape: keep the inputs of the commonest one
        shapes = [tuple(next(iter(d.values())).shape) for d in data]
        common = max(set(shapes), key=shapes.count)
        data = [d for d, sh in zip(data, shapes) if sh == common]
        method = CalibrationMethod.Percentile
        extra.update({"CalibPercentile": 99.999, "CalibMaxIntermediateOutputs": 2})
    quantize_static(
        str(pre), str(out), Reader(data), calibrate_method=method,
        quant_format=QuantFormat.QDQ if v["fmt"] == "QDQ" else QuantFormat.QOperator,
        per_channel=True, reduce_range=v.get("rr", False),
        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
        op_types_to_quantize=v["ops"],
        nodes_to_exclude=(exclude + ([] if v["heads"] else head_convs(pre))) or None,
        extra_options=extra,
    )
    return out


# --------------------------------------------------------------------------------------------
# Accuracy
# --------------------------------------------------------------------------------------------

def eval_face_detect(fp, q, tests) -> dict:
    rows, lost, extra, ious, dscore, dlm, solvay, diffs = [], 0, 0, [], [], [], None, []
    for name, im in tests["faces"] + tests["cars"] + tests["frames"]:
        a, b = detect_faces(fp, im), detect_faces(q, im)
        pairs, ra, gb = match(a, b)
        lost += len(ra)
        extra += len(gb)
        diffs += [f"{name}: lost {r[0]:.2f} {r[1][2] - r[1][0]:.0f}px" for r in ra]
        diffs += [f"{name}: new {g[0]:.2f} {g[1][2] - g[1][0]:.0f}px" for g in gb]
        for r, g, v in pairs:
            ious.append(v)
            dscore.append(abs(r[0] - g[0]))
            w = r[1][2] - r[1][0]
            dlm.append(float(np.abs(r[2] - g[2]).max() / max(w, 1)))
        if name == "solvay-1927":
            solvay = (len(a), len(b), len(pairs))
        rows.append(f"{name} {len(a)}/{len(b)}")
    ok = lost == 0 and extra == 0 and solvay is not None and solvay[1] == 29 and min(ious, default=0.0) > 0.85
    return dict(ok=ok, images=len(rows), faces=len(ious) + lost, lost=lost, extra=extra,
                min_iou=min(ious, default=0.0), mean_iou=float(np.mean(ious)) if ious else 0.0, max_dscore=max(dscore, default=0.0),
                max_dlandmark_rel=max(dlm, default=0.0), solvay_fp32_int8_matched=solvay, differences=diffs)


def fixture_faces(fp_det, tests):
    out = []
    for name, im in tests["faces"]:
        dets = detect_faces(fp_det, im)
        if name == "solvay-1927":
            out += [(f"solvay#{i}", align(im, d[2])) for i, d in enumerate(dets)]
        elif dets:
            out.append((name, align(im, dets[0][2])))
    return out


def eval_face_embed(fp, q, tests, faces) -> dict:
    x = embed_tensor([f for _, f in faces])
    def emb(s):
        e = np.concatenate([s.run(None, {"input": x[i:i + 1]})[0] for i in range(len(x))])
        return e / np.linalg.norm(e, axis=1, keepdims=True)
    ea, eb = emb(fp), emb(q)
    eb29 = q.run(None, {"input": x[:29]})[0] if len(x) >= 29 else None
    ca, cb = ea @ ea.T, eb @ eb.T
    names = [n for n, _ in faces]
    iu = np.triu_indices(len(names), 1)
    d = np.abs(ca - cb)[iu]
    portraits = [i for i, n in enumerate(names) if not n.startswith("solvay#")]
    pi = [(i, j) for i in portraits for j in portraits if i < j]
    dp = max(abs(ca[i, j] - cb[i, j]) for i, j in pi)
    key = {}
    for a, b in [("obama", "obama2"), ("obama", "obama3"), ("obama2", "obama3"), ("obama", "biden"),
                 ("obama", "astronaut"), ("biden", "astronaut")]:
        i, j = names.index(a), names.index(b)
        key[f"{a}/{b}"] = (round(float(ca[i, j]), 4), round(float(cb[i, j]), 4))
    self_cos = (ea * eb).sum(1)
    res = dict(ok=bool(d.max() < 0.02), faces=len(names), pairs=int(len(d)),
               max_dcos_all_pairs=float(d.max()), mean_dcos=float(d.mean()),
               max_dcos_portrait_pairs=float(dp), min_cos_fp32_vs_int8_same_face=float(self_cos.min()),
               key_pairs_fp32_int8=key)
    if eb29 is not None:
        e29 = eb29 / np.linalg.norm(eb29, axis=1, keepdims=True)
        res["batch29_vs_batch1_max_abs"] = float(np.abs(e29 - eb[:29]).max())
    return res


def eval_plate_detect(fp, q, tests) -> dict:
    lost, extra, ious, dscore, dcorner, n, diffs = 0, 0, [], [], [], 0, []
    for name, im in tests["plates"] + tests["cars"] + tests["frames"]:
        a, b = detect_plates(fp, im), detect_plates(q, im)
        pairs, ra, gb = match(a, b)
        n += len(a)
        lost += len(ra)
        extra += len(gb)
        diffs += [f"{name}: lost {r[0]:.2f}" for r in ra] + [f"{name}: new {g[0]:.2f}" for g in gb]
        for r, g, v in pairs:
            ious.append(v)
            dscore.append(abs(r[0] - g[0]))
            dcorner.append(float(np.abs(r[2] - g[2]).max() / max(r[1][2] - r[1][0], 1)))
    ok = lost == 0 and extra == 0 and min(ious, default=0.0) > 0.85
    return dict(ok=ok, plates_fp32=n, lost=lost, extra=extra, min_iou=min(ious, default=0.0),
                mean_iou=float(np.mean(ious)) if ious else 0.0, max_dscore=max(dscore, default=0.0), max_dcorner_rel=max(dcorner, default=0.0), differences=diffs)


def labels() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    p = PLATES / "labels.tsv"
    for line in p.read_text(encoding="utf-8").splitlines()[1:]:
        f = line.split("\t")
        if len(f) > 1 and "?" not in f[1]:
            out.setdefault(Path(f[0]).stem, set()).add(f[1])
    return out


def plate_crops(fp_det, tests):
    crops = []
    for name, im in tests["plates"]:
        for sc, box, pts in detect_plates(fp_det, im):
            lines, double = plate_lines(im, pts)
            crops.append((name, lines))
    return crops


def read_plate(sess, lines, height, multiple, min_width, chars):
    text = ""
    for ln in lines:
        prob = sess.run(None, {"x": line_tensor(ln, height, multiple, min_width)})[0][0]
        text += build.ctc_greedy(prob, chars)[0]
    return text


def eval_reader(fp, q, crops, height, multiple, min_width, chars) -> dict:
    lab = labels()
    norm = lambda s: re.sub(r"[\s·.\-\"'，,]", "", s).upper()  # noqa: E731
    same, exact_a, exact_b, changed = 0, set(), set(), []
    for i, (name, lines) in enumerate(crops):
        a = read_plate(fp, lines, height, multiple, min_width, chars)
        b = read_plate(q, lines, height, multiple, min_width, chars)
        same += a == b
        if a != b:
            changed.append(f"{name}: {a} -> {b}")
        for l in lab.get(name, ()):
            if norm(a) == l:
                exact_a.add((name, l))
            if norm(b) == l:
                exact_b.add((name, l))
    ok = len(exact_b) >= len(exact_a) and not (exact_a - exact_b)
    return dict(ok=ok, crops=len(crops), same_reading=same, exact_fp32=len(exact_a),
                exact_int8=len(exact_b), lost=sorted(f"{n} {l}" for n, l in exact_a - exact_b),
                gained=sorted(f"{n} {l}" for n, l in exact_b - exact_a), changed=changed)


def eval_vehicle(fp, q, tests) -> dict:
    """Bar: on the car/truck fixtures and the clip frames, the same classes and boxes (no
    detection lost or new unless within 0.05 of the threshold, matched IoU > 0.8). The plate
    photos (many cars near the threshold) are counted too, for the record."""
    res = {}
    for part, images in [("fixtures", tests["cars"] + tests["frames"]), ("plate_photos", tests["plates"])]:
        lost, extra, ious, dscore, n, diffs = 0, 0, [], [], 0, []
        for name, im in images:
            a, b = detect_vehicles(fp, im), detect_vehicles(q, im)
            pairs, ra, gb = match(a, b, same=lambda r, g: r[2] == g[2])
            n += len(a)
            diffs += [f"{name}: lost {r[2]} {r[0]:.2f}" for r in ra] + [f"{name}: new {g[2]} {g[0]:.2f}" for g in gb]
            lost += sum(1 for r in ra if r[0] > VEHICLE_SCORE + 0.05)
            extra += sum(1 for g in gb if g[0] > VEHICLE_SCORE + 0.05)
            for r, g, v in pairs:
                ious.append(v)
                dscore.append(abs(r[0] - g[0]))
        res[part] = dict(detections_fp32=n, lost_clear=lost, extra_clear=extra,
                         min_iou=min(ious, default=0.0), mean_iou=float(np.mean(ious)) if ious else 0.0,
                         max_dscore=max(dscore, default=0.0), differences=diffs)
    car_fixtures = {}
    for name, im in tests["cars"]:
        a, b = detect_vehicles(fp, im), detect_vehicles(q, im)
        car_fixtures[name] = ([f"{d[2]} {d[0]:.2f}" for d in a], [f"{d[2]} {d[0]:.2f}" for d in b])
    # tests/vehicle_detect.rs: nothing above 0.15 on the astronaut, a vehicle in all but 2 of
    # the plate photos
    astro = next(im for n, im in tests["faces"] if n == "astronaut")
    lowest = VEHICLE_SCORE
    try:
        globals()["VEHICLE_SCORE"] = 0.15
        astronaut = [max((d[0] for d in detect_vehicles(s, astro)), default=0.0) for s in (fp, q)]
    finally:
        globals()["VEHICLE_SCORE"] = lowest
    with_vehicle = [sum(1 for _, im in tests["plates"] if detect_vehicles(s, im)) for s in (fp, q)]
    f = res["fixtures"]
    ok = (f["lost_clear"] == 0 and f["extra_clear"] == 0 and f["min_iou"] > 0.8
          and astronaut[1] <= 0.15 and with_vehicle[1] >= min(with_vehicle[0], len(tests["plates"]) - 2))
    return dict(ok=ok, **res, car_fixtures=car_fixtures, astronaut_best_above_015=astronaut,
                plate_photos_with_vehicle=with_vehicle)


# --------------------------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------------------------

def speed_inputs(tests) -> dict[str, list[tuple[str, dict]]]:
    frame = next((im for n, im in tests["frames"] if im.width >= 1280), tests["frames"][0][1])
    f1080 = frame.resize((1920, 1080), Image.BILINEAR) if frame.size != (1920, 1080) else frame
    faces = fixture_faces(session(MODELS / "retinaface_mnet025.onnx"), tests)
    x = embed_tensor([f for _, f in faces])
    x29 = np.concatenate([x] * (29 // len(x) + 1))[:29]
    line = Image.new("RGB", (224, 64), (16, 62, 170))
    return {
        "face_detect": [("1080p->1280x720 (tensor 1280x736)", {"input": detector_tensor(f1080, FACE_SIDE)[0]})],
        "face_embed": [("batch 1", {"input": x[:1]}), ("batch 29", {"input": x29})],
        "plate_detect": [("1080p->1120x630 (tensor 1120x640)", {"image": detector_tensor(f1080, PLATE_SIDE)[0]})],
        "plate_read": [("1x3x32x128", {"x": line_tensor(line.resize((256, 64)), 32, 4, 0)})],
        "text_read": [("1x3x48x288", {"x": line_tensor(line, 48, 8, TEXT_MIN_WIDTH)})],
        "vehicle_detect": [("1x3x416x416", {"images": nanodet_tensor(f1080)[0]})],
    }


def median_ms(path: Path, feed: dict, threads: int, runs: int) -> float:
    s = session(path, threads)
    for _ in range(3):
        s.run(None, feed)
    ts = []
    deadline = time.monotonic() + 20
    while len(ts) < runs or (time.monotonic() < deadline and len(ts) < 3 * runs):
        t = time.perf_counter()
        s.run(None, feed)
        ts.append((time.perf_counter() - t) * 1e3)
        if len(ts) >= runs and time.monotonic() > deadline - 15:
            break
    return statistics.median(ts)


def speed_pair(fp_path: Path, q_path: Path, feed: dict, threads: int, runs: int) -> tuple[float, float]:
    """Median ms of the FP32 and the INT8 model, run alternately so that a change in the load
    of a shared machine falls on both alike."""
    a, b = session(fp_path, threads), session(q_path, threads)
    for _ in range(3):
        a.run(None, feed)
        b.run(None, feed)
    ta, tb = [], []
    for _ in range(runs):
        for s, ts in ((a, ta), (b, tb)):
            t = time.perf_counter()
            s.run(None, feed)
            ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ta), statistics.median(tb)


def speed_only(results: dict, runs: int) -> None:
    tests = test_images()
    feeds = speed_inputs(tests)
    man = manifest_models()
    for mid in ORDER:
        r = results.get(mid)
        if not r:
            continue
        timed = [v for v, a in r["variants"].items() if a["ok"]] or list(r["variants"])[:1]
        r["fp32_speed_ms"] = {}
        for v in timed:
            r["variants"][v]["speed_ms"] = {}
        for label, feed in feeds[mid]:
            for th in (1, 2):
                key = f"{label}, {th}t"
                for v in timed:
                    fa, qb = speed_pair(MODELS / man[mid]["file"], Q / f"{mid}.{v}.onnx", feed, th, runs)
                    r["fp32_speed_ms"][key] = round(fa, 2)
                    r["variants"][v]["speed_ms"][key] = round(qb, 2)
        log(f"{mid}: fp32 {r['fp32_speed_ms']}; " + "; ".join(f"{v} {r['variants'][v]['speed_ms']}" for v in timed))


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

# --------------------------------------------------------------------------------------------
# Records: models/<stem>.int8.onnx, [model.int8] in manifest.toml, the INT8 section of MODELS.md
# --------------------------------------------------------------------------------------------

CALIBRATION_TEXT = {
    "face_detect": "30 frames: 24 made of scikit-image 0.26.0 data images (covering 1920x1080, 1280x720, "
                   "1280x960, 800x600) with 2-13 LFW faces of skimage/data/lfw_subset.npy (28-200 px) and 0-2 "
                   "rendered plates pasted on them, and 6 scikit-image photos alone (camera, chelsea, coffee, "
                   "rocket, motorcycle_left, horse); shrunk to 1280 px, BGR minus (104, 117, 123), padded to x32",
    "face_embed": "101 faces: the 100 LFW faces of skimage/data/lfw_subset.npy (25x25, shown at 100-180 px on "
                  "scikit-image backgrounds) and the camera man of skimage/data/camera.png, found and aligned "
                  "to 112x112 by the FP32 face detector as gateward does; RGB (x - 127.5) / 128, NHWC, batches of 4",
    "plate_detect": "27 frames: 24 made of scikit-image 0.26.0 data images (1920x1080, 1280x720, 1000x750) with "
                    "1-5 plates rendered here (random strings, Noto Sans CJK SC Bold, blue/yellow/green/black/white, "
                    "single and double row, 60-320 px wide, perspective, blur, noise) and 0-2 LFW faces, and 3 "
                    "scikit-image photos; shrunk to 1120 px, BGR minus (104, 117, 123), padded to x32",
    "plate_read": "the plate rows of 60 plates rendered here (random strings; as for plate_detect) on "
                  "scikit-image backgrounds, found by the FP32 plate detector and rectified as gateward does "
                  "(224x64 / 192x112 with two bands), resized to height 32, BGR (x - 127.5) / 127.5",
    "text_read": "the same plate rows as plate_read, resized to height 48 and padded to at least 288 px",
    "vehicle_detect": "50 images: the 21 scikit-image 0.26.0 data images used, the 24 plate frames of "
                      "plate_detect and 8 of the face frames, letterboxed to 416x416 (black bars), BGR, "
                      "NanoDet mean/std",
}


def summary(mid: str, acc: dict) -> str:
    if mid == "face_detect":
        s = acc["solvay_fp32_int8_matched"]
        return (f"{acc['images']} test images (fixtures and clip frames), {acc['faces']} FP32 faces at score > 0.5: "
                f"{acc['lost']} lost, {acc['extra']} new, matched IoU min {acc['min_iou']:.3f} mean "
                f"{acc['mean_iou']:.3f}, score diff max {acc['max_dscore']:.3f}, landmark diff max "
                f"{acc['max_dlandmark_rel']:.3f} of the face width; Solvay 1927 {s[1]}/29 ({s[2]} matched)")
    if mid == "face_embed":
        k = ", ".join(f"{p} {a:.3f}/{b:.3f}" for p, (a, b) in acc["key_pairs_fp32_int8"].items())
        return (f"{acc['faces']} fixture faces ({acc['pairs']} pairs): cosine change max "
                f"{acc['max_dcos_all_pairs']:.4f} (portraits {acc['max_dcos_portrait_pairs']:.4f}), "
                f"FP32 vs INT8 embedding of the same face min cosine {acc['min_cos_fp32_vs_int8_same_face']:.4f}; "
                f"FP32/INT8: {k}")
    if mid == "plate_detect":
        return (f"{acc['plates_fp32']} FP32 plates at score > 0.5 on the 38 shared plate photos, the car "
                f"fixtures and clip frames: {acc['lost']} lost, {acc['extra']} new, matched IoU min "
                f"{acc['min_iou']:.3f} mean {acc['mean_iou']:.3f}, score diff max {acc['max_dscore']:.3f}, "
                f"corner diff max {acc['max_dcorner_rel']:.3f} of the plate width")
    if mid in ("plate_read", "text_read"):
        return (f"{acc['crops']} plates found by the FP32 detector in the shared plate photos, read alone "
                f"(greedy CTC): {acc['same_reading']}/{acc['crops']} readings identical to FP32; exact vs "
                f"labels FP32 {acc['exact_fp32']}, INT8 {acc['exact_int8']}"
                + (f"; lost {acc['lost']}" if acc["lost"] else "") + (f"; gained {acc['gained']}" if acc["gained"] else ""))
    if mid == "vehicle_detect":
        f, p = acc["fixtures"], acc["plate_photos"]
        cars = "; ".join(f"{n} {', '.join(a)} / {', '.join(b)}" for n, (a, b) in acc["car_fixtures"].items())
        return (f"car/bus/truck/motorcycle detections (> 0.35): car fixtures and clip frames {f['detections_fp32']} "
                f"FP32, {f['lost_clear']} lost and {f['extra_clear']} new clear of the threshold by 0.05, "
                f"matched IoU min {f['min_iou']:.3f} mean {f['mean_iou']:.3f}, score diff max {f['max_dscore']:.3f}; "
                f"the 38 plate photos {p['detections_fp32']} FP32, {p['lost_clear']} lost and {p['extra_clear']} "
                f"new clear of the threshold, matched IoU min {p['min_iou']:.3f} mean {p['mean_iou']:.3f}; "
                f"FP32 / INT8 on the car fixtures: {cars}; best vehicle score above 0.15 on the astronaut FP32 "
                f"{acc['astronaut_best_above_015'][0]:.2f}, INT8 {acc['astronaut_best_above_015'][1]:.2f}; plate photos "
                f"with a vehicle FP32 {acc['plate_photos_with_vehicle'][0]}, INT8 {acc['plate_photos_with_vehicle'][1]} of 38")
    return ""


def write_records(results: dict) -> None:
    import shutil
    import onnxruntime as ort
    man = manifest_models()
    text = (MODELS / "manifest.toml").read_text(encoding="utf-8")
    text = re.sub(r"\[model\.int8\]\n(?:[^\n]+\n)*\n?", "", text)
    rows, bullets = [], []
    for mid in ORDER:
        r = results.get(mid)
        entry = man[mid]
        stem = entry["file"].removesuffix(".onnx")
        target = MODELS / f"{stem}.int8.onnx"
        chosen = r.get("chosen") if r else None
        if not chosen:
            if target.exists():
                target.unlink()
            if r:
                best = next(iter(r["variants"].items()))
                bullets.append(f"- **{mid}** stays FP32: no variant held its accuracy; best ({best[0]}): "
                               f"{summary(mid, best[1])}")
            continue
        acc = r["variants"][chosen]
        shutil.copyfile(Q / f"{mid}.{chosen}.onnx", target)
        sha = build.sha256_file(target)
        fmt = VARIANTS[chosen]
        conv = (f"onnxruntime {ort.__version__} onnxruntime.quantization: quant_pre_process, then quantize_static "
                f"{fmt['fmt']}, {'Percentile (99.999) calibration' if fmt.get('method') == 'pct' else 'MinMax calibration'}, activations uint8 (asymmetric), weights int8 per channel "
                f"(symmetric), reduce_range {'on (7-bit weights)' if fmt.get('rr') else 'off'}"
                + (", op types " + "/".join(fmt["ops"]) if fmt["ops"] else ", all op types it knows")
                + ("" if fmt["heads"] else ", the last Conv of each output head left FP32")
                + (f"; opset raised from {r['opset']} to 13 first" if r.get("opset", 13) < 13 else "")
                + f"; from {entry['file']} (sha256 {entry['sha256'][:12]}); licence {entry['licence']} as the FP32 model")
        table = {"file": target.name, "sha256": sha, "bytes": target.stat().st_size,
                 "from_sha256": entry["sha256"], "conversion": conv,
                 "calibration": CALIBRATION_TEXT[mid], "verified": summary(mid, acc)}
        block = "[model.int8]\n" + "".join(f"{k} = {build.tv(v)}\n" for k, v in table.items()) + "\n"
        # insert before the next [[model]] / [[asset]] after this model's id line
        start = text.index(f'id = "{mid}"')
        nxt = min([i for i in (text.find("[[model]]", start), text.find("[[asset]]", start)) if i >= 0],
                  default=len(text))
        text = text[:nxt] + block + text[nxt:]
        sp = r.get("fp32_speed_ms", {})
        bullets.append(f"- **{mid}** → `{target.name}`, {table['bytes']:,} bytes, sha256 `{sha}`; {conv}. "
                       f"Calibrated on {CALIBRATION_TEXT[mid]}. Verified: {summary(mid, acc)}")
    for mid in ORDER:
        r = results.get(mid)
        if not r or "fp32_speed_ms" not in r:
            continue
        chosen = r.get("chosen")
        timed = [v for v, x in r["variants"].items() if x.get("speed_ms")]
        v = chosen or (timed[0] if timed else None)
        if not v:
            continue
        for label, ms in r["fp32_speed_ms"].items():
            q = r["variants"][v]["speed_ms"].get(label)
            rows.append(f"| {mid} | {label} | {ms:.2f} | {q:.2f} ({v}) | {q / ms:.2f} | "
                        f"{'INT8' if chosen else 'FP32 (INT8 failed accuracy)'} |")
    build.check_manifest(text)
    build.write_if_changed(MODELS / "manifest.toml", text.encode("utf-8"))
    section = ["<!-- int8:begin -->",
               f"Made by `tools/models/quantize` with onnxruntime {ort.__version__} (tools/models/requirements-quantize.txt). "
               "Calibration images are not test images: scikit-image 0.26.0's data images and LFW faces "
               "(`skimage/data/*.png|jpg`, `lfw_subset.npy`; BSD-3-Clause package, images public domain / CC0 "
               "as its data README lists, LFW faces as published by the LFW project) and Chinese plates rendered "
               "here with Debian's Noto Sans CJK SC Bold (SIL OFL 1.1); nothing of them is shipped. Accuracy is "
               "measured on the test images (fixtures/, frames of fixtures/clips, ../shared/fixtures/plates-cn) "
               "against the FP32 model on the same inputs.", "", *bullets, "",
               "Speed: median ms of one inference in Python onnxruntime on the development box (2-core, AVX-512 "
               "VNNI, load shared with other work), graph optimisation all, no spinning:", "",
               "| model | input, threads | FP32 ms | INT8 ms (variant) | INT8/FP32 | gateward runs |",
               "|---|---|---:|---:|---:|---|", *rows, "<!-- int8:end -->"]
    md = (MODELS / "MODELS.md").read_text(encoding="utf-8")
    new = "\n".join(section)
    md2 = re.sub(r"<!-- int8:begin -->.*?<!-- int8:end -->", lambda _: new, md, flags=re.S)
    build.write_if_changed(MODELS / "MODELS.md", md2.encode("utf-8"))


def manifest_models() -> dict[str, dict]:
    import tomllib
    doc = tomllib.loads((MODELS / "manifest.toml").read_text(encoding="utf-8"))
    return {m["id"]: m for m in doc["model"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=",".join(ORDER))
    ap.add_argument("--variants", default="", help="variants to try (default: DEFAULT_VARIANTS per model)")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--speed-only", action="store_true",
                    help="time again (FP32 and INT8 alternately) the variants of .work/quant/results.json")
    ap.add_argument("--write", action="store_true", help="write models/*.int8.onnx, manifest.toml, MODELS.md")
    args = ap.parse_args()
    build.T0 = time.monotonic()
    import onnxruntime as ort
    Q.mkdir(parents=True, exist_ok=True)
    os.chdir(Q)  # quant_pre_process leaves temporary files in the working folder
    man = manifest_models()
    only = [m for m in ORDER if m in args.only.split(",")]
    fp_path = {m: MODELS / man[m]["file"] for m in ORDER}
    fp = {m: session(fp_path[m]) for m in ORDER}
    results_path = Q / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["onnxruntime"] = ort.__version__

    if args.speed_only:
        speed_only(results, args.runs)
        results_path.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=jsonable))
        if args.write:
            write_records(results)
        return
    log("calibration inputs")
    cal = calibration_sets(fp)
    log("test images")
    tests = test_images()
    faces = fixture_faces(fp["face_detect"], tests)
    crops = plate_crops(fp["plate_detect"], tests) if tests["plates"] else []
    plate_chars = [""] + [l.rstrip("\r") for l in (MODELS / "clp_dict.txt").read_text(encoding="utf-8").split("\n") if l.rstrip("\r")]
    meta = fp["text_read"].get_modelmeta().custom_metadata_map["character"].split("\n")
    text_chars = [""] + meta + [" "]

    evals = {
        "face_detect": lambda q: eval_face_detect(fp["face_detect"], q, tests),
        "face_embed": lambda q: eval_face_embed(fp["face_embed"], q, tests, faces),
        "plate_detect": lambda q: eval_plate_detect(fp["plate_detect"], q, tests),
        "plate_read": lambda q: eval_reader(fp["plate_read"], q, crops, 32, 4, 0, plate_chars),
        "text_read": lambda q: eval_reader(fp["text_read"], q, crops, 48, 8, TEXT_MIN_WIDTH, text_chars),
        "vehicle_detect": lambda q: eval_vehicle(fp["vehicle_detect"], q, tests),
    }
    feeds = speed_inputs(tests) if not args.skip_speed else {}
    for mid in only:
        log(f"{mid}: {len(cal[mid])} calibration inputs")
        pre = preprocess(mid, fp_path[mid])
        r = {"calibration_inputs": len(cal[mid]), "variants": {}}
        import onnx
        pre_opset = next(o.version for o in onnx.load(str(pre)).opset_import if o.domain in ("", "ai.onnx"))
        asked = args.variants.split(",") if args.variants else DEFAULT_VARIANTS[mid]
        variants = [v for v in asked if pre_opset >= 13 or v.startswith("qop")]
        r["opset"] = next(o.version for o in onnx.load(str(fp_path[mid])).opset_import if o.domain in ("", "ai.onnx"))
        for variant in variants:
            t0 = time.monotonic()
            qp = quantize(mid, pre, cal[mid], variant, [])
            acc = evals[mid](session(qp))
            acc["seconds"] = round(time.monotonic() - t0, 1)
            acc["bytes"] = qp.stat().st_size
            log(f"{mid} {variant}: {json.dumps(acc, ensure_ascii=False, default=jsonable)[:600]}")
            r["variants"][variant] = acc
        passing = [v for v, a in r["variants"].items() if a["ok"]]
        timed = passing or variants[:1]  # a model that stays FP32 is timed with its first variant
        if not args.skip_speed:
            r["fp32_speed_ms"] = {}
            for label, feed in feeds[mid]:
                for th in (1, 2):
                    r["fp32_speed_ms"][f"{label}, {th}t"] = round(median_ms(fp_path[mid], feed, th, args.runs), 2)
            for variant in timed:
                acc = r["variants"][variant]
                acc["speed_ms"] = {}
                for label, feed in feeds[mid]:
                    for th in (1, 2):
                        acc["speed_ms"][f"{label}, {th}t"] = round(
                            median_ms(Q / f"{mid}.{variant}.onnx", feed, th, args.runs), 2)
            log(f"{mid}: fp32 {r['fp32_speed_ms']}; " + "; ".join(
                f"{v} {r['variants'][v].get('speed_ms')}" for v in timed))
        # the fastest passing variant (2 threads, first input), else the smallest file
        key = lambda v: (list(r["variants"][v].get("speed_ms", {}).values())[1:2] or [r["variants"][v]["bytes"]])[0]  # noqa: E731
        r["chosen"] = min(passing, key=key) if passing else None
        log(f"{mid}: {'INT8 ' + r['chosen'] if r['chosen'] else 'stays FP32'}")
        results[mid] = r
        results_path.write_text(json.dumps(results, indent=1, ensure_ascii=False, default=jsonable))
    log(f"results in {results_path}")
    if args.write:
        write_records(results)
        log("models/, manifest.toml and MODELS.md written")


if __name__ == "__main__":
    main()
