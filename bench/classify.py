"""Benchmark of the request classifier (docs/classify.md).

Trains a version exactly as `make model` does (the shared data of ../shared/data/taidi2020 or
QINGCHE_TAIDI_DIR: the training part of train.csv; with --self-training, the unlabelled 附件2/3/4 too),
into a throw-away QINGCHE_VAR_DIR (the project's var/ is not touched), and measures:

- the build time (training, calibration, evaluation, storing);
- macro-F1 and accuracy of the first level on the project's held-out split of train.csv (20 %, kept out
  of training, near-duplicates removed before splitting);
- the time of one suggestion (`Classifier.suggest`, one message at a time, one thread) over the held-out
  messages, after a warm-up: wall clock, and the CPU time of the thread (`predict_cpu_*`, what one core
  spends; on a shared machine the wall clock's tail is other processes' turn). `predict_ok` is the CPU p95
  against the 2 ms target;
- the peak memory of the build, and the memory and load time of the stored model in a fresh process.

In the same run it trains the plain baseline the issue names (character 1–3-gram TF-IDF + linear SVM,
labelled messages only, no calibration) on the same split, so the gain is measured, not remembered.
No database is used.

Progress goes to stderr; the last line of stdout is one JSON object:
    {"macro_f1": …, "baseline_macro_f1": …, "predict_p95_ms": …, "build_seconds": …, "*_ok": …}

    .venv/bin/python bench/classify.py [--self-training MARGIN] [--no-baseline] [--limit N] [--predict N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

from _common import ROOT, make_log, setup_django, summary

F1_TARGET = 0.90
PREDICT_TARGET_MS = 2.0
BUILD_TARGET_S = 180
log = make_log("classify")


def model_in_fresh_process(var_dir: str) -> dict:
    """Load time and resident memory of the stored model in a new interpreter (what a worker pays)."""
    # VmRSS, not ru_maxrss: a child's maximum starts from its parent's at the fork, before the exec
    code = (
        "import re, time, django; django.setup();"
        "rss = lambda: int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1));"
        "from qingche.service.classify import store; before = rss(); t = time.perf_counter(); store.load();"
        "print(time.perf_counter() - t, rss(), rss() - before)"
    )
    env = dict(
        os.environ,
        QINGCHE_VAR_DIR=var_dir,
        DJANGO_SETTINGS_MODULE="qingche.settings",
        PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    seconds, rss_kb, model_kb = out.stdout.split()
    return {
        "model_load_seconds": round(float(seconds), 2),
        "worker_rss_mb": round(int(rss_kb) / 1024, 1),
        "model_rss_mb": round(int(model_kb) / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--self-training",
        type=float,
        metavar="MARGIN",
        help="self-train on the unlabelled messages (off by default, as in `make model`)",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--limit", type=int, default=0, help="train on only this many labelled messages (smoke)")
    parser.add_argument("--predict", type=int, default=0, help="time only this many suggestions")
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="qingche-bench-classify-")
    setup_django("qingche_bench_classify", var_dir=var_dir)
    from qingche.service.classify import build, data, store
    from qingche.service.classify.model import Params

    try:
        if args.limit:
            real_labelled = data.labelled
            data.labelled = lambda directory=None: real_labelled(directory)[:: max(1, 2000 // args.limit)]
        log(f"building from {data.taidi_dir()}")
        started = time.perf_counter()
        result = build.build_and_store(params=Params(self_training_margin=None if args.limit else args.self_training))
        build_seconds = time.perf_counter() - started
        log(f"built version {result['version']} in {build_seconds:.1f} s: {json.dumps(result['held_out'])}")
        classifier = store.load()
        held_out = build.shared_held_out()
        texts = [text for text, _ in held_out][: args.predict or None]
        for text in texts[:20]:
            classifier.suggest(text)
        timings, cpu_timings = [], []
        for text in texts:
            begin, begin_cpu = time.perf_counter(), time.thread_time()
            classifier.suggest(text)
            cpu_timings.append((time.thread_time() - begin_cpu) * 1000)
            timings.append((time.perf_counter() - begin) * 1000)
        timed, cpu = summary(timings), summary(cpu_timings)
        log(f"one suggestion: wall {timed}, CPU {cpu}")
        baseline = {}
        if not args.no_baseline:
            params = Params()
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.metrics import f1_score
            from sklearn.svm import LinearSVC

            train_items, held = data.split(data.labelled())
            vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, params.ngram_max), sublinear_tf=True)
            features = vectorizer.fit_transform([text for text, _ in train_items])
            svm = LinearSVC().fit(features, [label for _, label in train_items])
            predicted = svm.predict(vectorizer.transform([text for text, _ in held]))
            score = f1_score([label for _, label in held], predicted, average="macro")
            baseline = {"baseline_macro_f1": round(float(score), 4)}
            log(f"baseline: {baseline}")
        fresh = model_in_fresh_process(var_dir)
        held = result["held_out"]
        figures = {
            "macro_f1": held.get("macro_f1"),
            "accuracy": held.get("accuracy"),
            **baseline,
            "per_class_f1": held.get("per_class_f1"),
            "held_out_messages": held.get("messages"),
            "training_messages": result["training_messages"],
            "unlabelled_messages": result["unlabelled_messages"],
            "build_seconds": round(build_seconds, 1),
            "predict_p50_ms": timed["p50_ms"],
            "predict_p95_ms": timed["p95_ms"],
            "predict_max_ms": timed["max_ms"],
            "predict_n": timed["n"],
            "predict_cpu_p50_ms": cpu["p50_ms"],
            "predict_cpu_p95_ms": cpu["p95_ms"],
            "build_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "model_file_mb": round(os.path.getsize(store.root() / result["version"] / store.MODEL_FILE) / 2**20, 1),
            **fresh,
            "macro_f1_ok": (held.get("macro_f1") or 0) >= F1_TARGET,
            "predict_ok": cpu["p95_ms"] <= PREDICT_TARGET_MS,
            "build_ok": build_seconds <= BUILD_TARGET_S,
            "load_average_1m": round(os.getloadavg()[0], 2),
            "cpu_count": os.cpu_count(),
        }
        print(json.dumps(figures, ensure_ascii=False))
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
