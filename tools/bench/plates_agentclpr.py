#!/usr/bin/env python3
"""Python baseline for plate reading: agentclpr 1.1.0's own pipeline (`agentclpr.CLPSystem`, its
default models) on the labelled photos of shared/fixtures/plates-cn, timed and scored.

Run (the first command makes tools/bench/.work/venv once, from requirements-agentclpr.txt):

    tools/bench/setup-python && tools/bench/.work/venv/bin/python tools/bench/plates_agentclpr.py

Options: [IMAGE_DIR] (default ../shared/fixtures/plates-cn beside the repository, labels in its
labels.tsv), --runs N (timed calls per image, median reported; default 3), --sessions
shipped|gateward (default shipped: agentclpr's sessions as it makes them, ONNX Runtime's
defaults — one thread per core, threads that spin while waiting; gateward: every session built
with gateward's settings, --threads N intra-op threads, default 2, no spinning), --json FILE
(write everything as JSON for a Rust benchmark to compare against).

Why both: as shipped, agentclpr's four sessions each keep a thread pool whose threads spin, and
on 2 cores they take turns badly (the issue's ~120 ms per image). With gateward's settings the
same Python pipeline runs about twice as fast; comparing against that isolates what gateward's
own work saves.

What one call is: `CLPSystem(image)` on the image already decoded the way agentclpr decodes a path
(`cv2.imdecode(..., IMREAD_COLOR)`: BGR, alpha dropped); decoding is timed apart (`decode_ms`).
Inside the call agentclpr runs its plate detector (clp_det.onnx) on the whole frame at its own
size, then for every plate crops the axis-aligned box + 10 px, resizes it to 256 px wide, pads
100 px of white around it, and runs agentocr's general text detector (ch_mul_v2_c_det.onnx) on
that, then the plate recogniser (clp_v2_c_rec.onnx) on each text line found, joining the lines
top to bottom. The angle classifier (ch_mul_m_cls.onnx) is loaded but not used per call. So the
default pipeline is three models per call, not two.

One untimed warm-up call on the first image, then --runs timed calls per image. Exceptions
are caught per image and reported as `error` (agentclpr crashes when a detected plate box lies
within 10 px of the top or left edge: its crop slice goes negative).

Accuracy: a labelled plate (a labels.tsv row whose plate has no '?') counts as read when some
reading on its image equals it exactly once '·' and spaces are removed from both.
"""
import argparse
import csv
import json
import logging
import platform
import statistics
import sys
import time
import traceback
import warnings
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / ".." / "shared" / "fixtures" / "plates-cn"
IMAGE_EXT = {".jpg", ".jpeg", ".png", ".bmp"}


def norm(text):
    return text.replace("·", "").replace(" ", "")


def load_pipeline(threads, sessions_as):
    """agentclpr.CLPSystem with its default models. With `sessions_as` "gateward" every ONNX
    Runtime session is built with gateward's settings (`threads` intra-op threads, 1 inter-op,
    no spinning, full graph optimisation): agentclpr/agentocr take no session options, so
    ort.SessionOptions is swapped for a configured one while the sessions are made. With
    "shipped" the sessions are left as agentclpr makes them."""
    original = ort.SessionOptions

    def configured():
        so = original()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return so

    # agentocr parses sys.argv with its own argparse (parse_known_args) when OCRSystem is made:
    # hide ours from it.
    argv = sys.argv
    if sessions_as == "gateward":
        ort.SessionOptions = configured
    sys.argv = argv[:1]
    try:
        import agentclpr
        # agentocr sets the root logger to DEBUG with a stdout handler at import; that would
        # print (and time) debug lines inside every call.
        logging.getLogger().setLevel(logging.WARNING)
        with warnings.catch_warnings():
            # agentocr's warm-up on blank frames reads empty text: numpy warns "Mean of empty slice"
            warnings.simplefilter("ignore", RuntimeWarning)
            clp = agentclpr.CLPSystem(providers="cpu")
    finally:
        ort.SessionOptions = original
        sys.argv = argv

    sessions = {
        "plate_detect (clp_det)": clp.det.session,
        "text_detect (ch_mul_v2_c_det)": clp.ocr.text_sys.text_detector.session,
        "angle_cls (ch_mul_m_cls, unused per call)": clp.ocr.text_sys.text_classifier.session,
        "plate_read (clp_v2_c_rec)": clp.ocr.text_sys.text_recognizer.session,
    }
    for name, s in sessions.items():
        got = s.get_session_options().intra_op_num_threads
        if sessions_as == "gateward" and got != threads:
            raise SystemExit(f"{name}: intra_op_num_threads is {got}, wanted {threads}")
    return clp, sessions


def describe(e):
    """One line: exception type, last line of its message, and agentclpr/agentocr's frame."""
    kind = type(e).__name__
    if type(e).__module__ not in ("builtins", "__main__"):
        kind = f"{type(e).__module__}.{kind}"
    lines = str(e).strip().splitlines() or [""]
    tb = traceback.extract_tb(e.__traceback__)[-1]
    return f"{kind}: {lines[-1]} (at {Path(tb.filename).parent.name}/{Path(tb.filename).name}:{tb.lineno})"


def read_labels(folder):
    labels = []
    path = folder / "labels.tsv"
    if not path.exists():
        return labels
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            labels.append(row)
    return labels


def run_image(clp, image, runs):
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = clp(image)
        times.append((time.perf_counter() - t0) * 1000.0)
    readings = [
        {
            "text": str(text),
            "score": round(float(score), 4),
            # agentclpr's 4 plate corners, in clp_det's order: BR, BL, TL, TR
            "points": [[int(x), int(y)] for x, y in points],
        }
        for points, (text, score) in result
    ]
    return statistics.median(times), times, readings


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("image_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sessions", choices=["shipped", "gateward"], default="shipped")
    ap.add_argument("--json", type=Path, metavar="FILE")
    args = ap.parse_args()
    folder = args.image_dir.resolve()
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXT)
    if not files:
        raise SystemExit(f"no images in {folder}")

    t0 = time.perf_counter()
    clp, sessions = load_pipeline(args.threads, args.sessions)
    load_ms = (time.perf_counter() - t0) * 1000.0

    from importlib.metadata import version
    env = {
        "agentclpr": version("agentclpr"),
        "agentocr": version("agentocr"),
        "onnxruntime": ort.__version__,
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "sessions": args.sessions,
        "threads": args.threads if args.sessions == "gateward" else "onnxruntime default",
        "runs": args.runs,
        "providers": clp.det.session.get_providers(),
    }
    print(f"agentclpr {env['agentclpr']} (agentocr {env['agentocr']}), onnxruntime "
          f"{env['onnxruntime']}, sessions {args.sessions} ({env['threads']} intra-op threads), "
          f"{args.runs} runs per image; "
          f"pipeline loaded in {load_ms:.0f} ms (includes agentocr's own 5x warm-up)")
    print(f"images: {folder}\n")

    # Warm-up: one untimed call on the first image (on the next one if agentclpr fails on it).
    for path in files:
        try:
            clp(cv2.imdecode(np.fromfile(str(path), dtype=np.uint8), cv2.IMREAD_COLOR))
            break
        except Exception as e:  # noqa: BLE001
            print(f"warm-up on {path.name} failed ({describe(e)}), trying the next image")

    images = []
    for path in files:
        t = time.perf_counter()
        img = cv2.imdecode(np.fromfile(str(path), dtype=np.uint8), cv2.IMREAD_COLOR)
        decode_ms = (time.perf_counter() - t) * 1000.0
        entry = {"file": path.name, "width": int(img.shape[1]), "height": int(img.shape[0]),
                 "decode_ms": round(decode_ms, 2), "ms": None, "runs_ms": [], "readings": [],
                 "error": None}
        try:
            ms, times, readings = run_image(clp, img, args.runs)
            entry.update(ms=round(ms, 2), runs_ms=[round(x, 2) for x in times], readings=readings)
        except Exception as e:  # noqa: BLE001
            entry["error"] = describe(e)
        images.append(entry)

    # (a) per-image table
    print(f"{'file':<16}{'size':>11}{'ms':>9}  plates read (text score)")
    for e in images:
        size = f"{e['width']}x{e['height']}"
        if e["error"]:
            print(f"{e['file']:<16}{size:>11}{'-':>9}  error: {e['error']}")
        else:
            read = ", ".join(f"{r['text'] or '(empty)'} {r['score']:.2f}" for r in e["readings"])
            print(f"{e['file']:<16}{size:>11}{e['ms']:>9.1f}  {read or '-'}")

    # (b) accuracy
    by_file = {e["file"]: e for e in images}
    per_kind = defaultdict(lambda: [0, 0])
    plates = []
    for row in read_labels(folder):
        if "?" in row["plate"] or row["file"] not in by_file:
            continue
        want = norm(row["plate"])
        hit = any(norm(r["text"]) == want for r in by_file[row["file"]]["readings"])
        per_kind[row["kind"]][0] += hit
        per_kind[row["kind"]][1] += 1
        plates.append({"file": row["file"], "plate": row["plate"], "kind": row["kind"],
                       "read": hit})
    exact = sum(p["read"] for p in plates)
    total = len(plates)
    print(f"\naccuracy (exact, readable labelled plates; '·' and spaces removed):")
    for kind in sorted(per_kind):
        ok, n = per_kind[kind]
        print(f"  {kind:<18}{ok:>3}/{n:<3}")
    print(f"  {'overall':<18}{exact:>3}/{total:<3} ({100.0 * exact / max(total, 1):.1f} %)")
    missed = [f"{p['file']} {p['plate']}" for p in plates if not p["read"]]
    if missed:
        print("  missed: " + "; ".join(missed))

    # (c) median time per image
    timed = [e["ms"] for e in images if e["ms"] is not None]
    errors = [e["file"] for e in images if e["error"]]
    median_ms = statistics.median(timed) if timed else None
    print(f"\nmedian per image: {median_ms:.1f} ms over {len(timed)} images"
          + (f" ({len(errors)} with an error left out: {', '.join(errors)})" if errors else ""))

    # (d) JSON
    if args.json:
        doc = {
            "tool": "agentclpr",
            "env": env,
            "images": images,
            "plates": plates,
            "summary": {
                "exact": exact,
                "total": total,
                "per_kind": {k: {"exact": v[0], "total": v[1]} for k, v in sorted(per_kind.items())},
                "median_ms": round(median_ms, 2) if median_ms is not None else None,
                "timed_images": len(timed),
                "errors": len(errors),
            },
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
