"""HTTP service speed, measured with wrk on loopback (prints figures; nothing is asserted).

    .venv/bin/python benchmarks/bench_http.py [--model PATH] [--workers 2] [--duration 10]

Starts `python -m service serve` (the README's command) with N workers and the no-op route enabled,
then reports: seconds from process start to /readyz 200, resident memory per worker, and wrk runs of
- POST /v1/noop (same request parsing, no classification: the framework's ceiling), 32 connections;
- POST /v1/classify, 32 connections (throughput, p50/p99) and 1 connection (latency);
- POST /v1/classify/batch with 100 messages per request, 8 connections (messages/s).
Request bodies cycle through real corpus messages. Needs wrk (Debian package `wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.config import DEFAULT_MODEL  # noqa: E402
from training.corpus import load_corpus  # noqa: E402

LUA = """
local bodies = {}
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
local i = math.random(#bodies)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pids(pid: int, workers: int) -> list[int]:
    if workers == 1:
        return [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def wrk(url: str, bodies: Path, connections: int, duration: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    threads = min(2, connections)
    done = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script.name, url],
        capture_output=True, text=True, check=True, env=os.environ | {"BODIES": str(bodies)},
    )  # fmt: skip
    os.unlink(script.name)
    out = done.stdout
    figures = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "99"):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()  # type: ignore[union-attr]
        figures[f"p{pct}_ms"] = round(float(value) * _UNITS[unit], 3)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["non_2xx"] = int(errors.group(1)) if errors else 0
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")

    texts = [row.text for row in load_corpus() if len(row.text) <= 5000]
    work = Path(tempfile.mkdtemp(prefix="chattriage-bench-"))
    singles = work / "single.jsonl"
    singles.write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8"
    )
    batches = work / "batch.jsonl"
    batches.write_text(
        "".join(
            json.dumps({"messages": [{"text": t} for t in texts[i : i + 100]]}, ensure_ascii=False) + "\n"
            for i in range(0, len(texts) - 100, 100)
        ),
        encoding="utf-8",
    )

    port = free_port()
    env = os.environ | {"CHATTRIAGE_ENABLE_NOOP_ROUTE": "true", "CHATTRIAGE_MODEL_PATH": str(args.model)}
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port), "--workers", str(args.workers)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(work / "server.log").open("wb"),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    ready_s = None
    while time.monotonic() - started < 60:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=1) as response:
                if response.status == 200:
                    ready_s = time.monotonic() - started
                    break
        except OSError:
            time.sleep(0.02)
    if ready_s is None:
        server.kill()
        sys.exit(f"server never became ready; see {work / 'server.log'}")
    time.sleep(2)  # let every worker finish loading before measuring memory and load
    try:
        figures = {
            "workers": args.workers,
            "ready_after_start_s": round(ready_s, 3),
            "rss_mb_per_worker_idle": [round(rss_mb(p), 1) for p in worker_pids(server.pid, args.workers)],
            "noop_c32": wrk(f"{base}/v1/noop", singles, 32, args.duration),
            "classify_c32": wrk(f"{base}/v1/classify", singles, 32, args.duration),
            "classify_c1": wrk(f"{base}/v1/classify", singles, 1, args.duration),
            "batch100_c8": wrk(f"{base}/v1/classify/batch", batches, 8, args.duration),
            "rss_mb_per_worker_after": [round(rss_mb(p), 1) for p in worker_pids(server.pid, args.workers)],
        }
        figures["batch100_c8"]["messages_per_s"] = round(figures["batch100_c8"]["requests_per_s"] * 100)
        with urllib.request.urlopen(f"{base}/v1/model", timeout=5) as response:
            figures["model_version"] = json.loads(response.read())["model_version"]
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
