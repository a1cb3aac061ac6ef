"""Classifier speed and size, printed as figures (speed is measured here, never asserted in unit tests).

    .venv/bin/python benchmarks/bench_classifier.py [--model PATH] [--messages N]

Runs pinned to one CPU core with BLAS/OpenMP limited to one thread. Figures come in two clocks: wall time,
and CPU time of this process. On a shared virtual machine the host can steal time from the guest (see
"steal" in /proc/stat), which inflates wall time but not CPU time; the CPU-time figures are what the code
costs on one core. Reports:
- model file size; cold load + warm-up time (in a fresh interpreter);
- batch throughput (messages/s) of the compiled scorer, for batches of 1,000 corpus messages, over several
  rounds (best and median);
- single-message latency (median, p95, p99) in-process;
- the same two figures for the plain scikit-learn Pipeline, for scale.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported (through service.*)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.classifier import Classifier  # noqa: E402
from service.config import DEFAULT_MODEL  # noqa: E402
from training.corpus import load_corpus  # noqa: E402

COLD_LOAD = """
import os, sys, time
os.environ["OMP_NUM_THREADS"] = "1"
t = time.perf_counter()
from service.classifier import Classifier
c = Classifier.load(sys.argv[1]); c.warm_up()
print(time.perf_counter() - t)
"""


def _steal_seconds() -> float:
    """Seconds the hypervisor took from this machine's CPUs (the 'steal' column of /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--messages", type=int, default=20000, help="messages for the batch figure")
    parser.add_argument("--singles", type=int, default=3000, help="calls for the single-message figure")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the batch figure (best and median)")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    size_mb = args.model.stat().st_size / 1e6
    loads = [
        float(
            subprocess.run(
                [sys.executable, "-c", COLD_LOAD, str(args.model)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            ).stdout
        )
        for _ in range(3)
    ]
    classifier = Classifier.load(args.model)
    classifier.warm_up()
    texts = [row.text for row in load_corpus()]
    batch_texts = (texts * (args.messages // len(texts) + 1))[: args.messages]

    steal_before = _steal_seconds()
    wall_rates, cpu_rates = [], []
    per_round = len(batch_texts) // args.rounds
    for r in range(args.rounds):  # several rounds: a shared host's speed drifts, so report best and median
        chunk = batch_texts[r * per_round : (r + 1) * per_round]
        start, cpu_start = time.perf_counter(), time.process_time()
        for i in range(0, len(chunk), 1000):
            classifier.predict(chunk[i : i + 1000])
        wall_rates.append(len(chunk) / (time.perf_counter() - start))
        cpu_rates.append(len(chunk) / (time.process_time() - cpu_start))
    steal = _steal_seconds() - steal_before

    singles, singles_cpu = [], []
    for text in texts[: args.singles]:
        t, c = time.perf_counter(), time.thread_time()
        classifier.predict([text])
        singles.append((time.perf_counter() - t) * 1000)
        singles_cpu.append((time.thread_time() - c) * 1000)

    pipeline = classifier.pipeline
    sample = texts[:3000]
    start = time.perf_counter()
    for i in range(0, len(sample), 1000):
        pipeline.predict_proba(sample[i : i + 1000])
    sk_rate = len(sample) / (time.perf_counter() - start)
    sk_singles = []
    for text in texts[:300]:
        t = time.perf_counter()
        pipeline.predict_proba([text])
        sk_singles.append((time.perf_counter() - t) * 1000)

    figures = {
        "model": str(args.model.relative_to(ROOT) if args.model.is_relative_to(ROOT) else args.model),
        "model_version": classifier.version,
        "model_size_mb": round(size_mb, 2),
        "cold_load_and_warm_up_s": {
            "median": round(statistics.median(loads), 3),
            "max": round(max(loads), 3),
        },
        "batch_messages_per_cpu_second": {
            "best": round(max(cpu_rates)),
            "median": round(statistics.median(cpu_rates)),
        },
        "batch_messages_per_s_one_core_wall": {
            "best": round(max(wall_rates)),
            "median": round(statistics.median(wall_rates)),
        },
        "host_steal_seconds_during_batch": round(steal, 2),
        "single_message_cpu_ms": {
            "median": round(statistics.median(singles_cpu), 3),
            "p95": round(percentile(singles_cpu, 0.95), 3),
        },
        "single_message_wall_ms": {
            "median": round(statistics.median(singles), 3),
            "p95": round(percentile(singles, 0.95), 3),
            "p99": round(percentile(singles, 0.99), 3),
        },
        "sklearn_pipeline_for_scale": {
            "batch_messages_per_s": round(sk_rate),
            "single_message_ms_median": round(statistics.median(sk_singles), 3),
        },
        "corpus_messages": len(texts),
        "mean_message_chars": round(sum(map(len, texts)) / len(texts), 1),
    }
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
