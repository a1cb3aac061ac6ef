"""End-to-end export scoring speed and memory (prints figures; nothing is asserted).

    .venv/bin/python benchmarks/bench_score.py [--messages 100000 1000000] [--jobs 2] [--unique-share 0.5]

Builds large synthetic QQ 消息管理器 .txt exports by repeating and varying the fixture
``../shared/fixtures/exports/qq_txt_python_group_utf8bom_crlf.txt``: its message texts, mixed with the
project corpus, with senders and timestamps varied; ``--unique-share`` of the messages get a varied
suffix so their text occurs once (the rest repeat, as chat does: 收到, 哈哈, [图片] …). Then runs the
README's command, ``python -m service score EXPORT --out out.jsonl --jobs N``, and reports
messages/s, the prediction-cache hit rate, and the peak resident memory of the process tree, sampled
every 50 ms. ``--unique-share 1`` is the worst case (no repeats at all).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.exports import read  # noqa: E402
from training.corpus import load_corpus  # noqa: E402

FIXTURE = ROOT.parent / "shared" / "fixtures" / "exports" / "qq_txt_python_group_utf8bom_crlf.txt"
RULE = "=" * 64
HEADER = (
    "消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n"
    f"{RULE}\r\n消息分组:我的群聊\r\n{RULE}\r\n消息对象:Python 学习交流群\r\n{RULE}\r\n\r\n"
)


def build_export(path: Path, messages: int, unique_share: float, seed: int = 7) -> None:
    rng = random.Random(seed)
    fixture = [m.text for m in read(FIXTURE) if not m.is_system and m.text.strip()]
    pool = fixture + [row.text.replace("\n", " ") for row in load_corpus()]
    senders = [f"群友{i}({1_000_000 + i * 7919})" for i in range(400)]
    when = datetime(2024, 1, 1, 8, 0, 0)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER)
        for n in range(messages):
            when += timedelta(seconds=rng.randint(1, 40))
            text = rng.choice(fixture if rng.random() < 0.3 else pool)
            if rng.random() < unique_share:
                text = f"{text} #{n}"
            out.write(f"{when:%Y-%m-%d %H:%M:%S} {rng.choice(senders)}\r\n{text}\r\n\r\n")


def tree_rss_mb(pid: int) -> tuple[float, float]:
    """(resident MB of ``pid``, summed resident MB of its children)."""

    def rss(p: int) -> float:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    try:
        children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        children = []
    return rss(pid), sum(rss(c) for c in children)


def run(export: Path, jobs: int, workdir: Path) -> dict[str, object]:
    out = workdir / "out.jsonl"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "score", str(export), "--out", str(out), "--jobs", str(jobs),
         "--no-progress"],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peaks = [0.0, 0.0]

    def sample() -> None:
        while process.poll() is None:
            main, children = tree_rss_mb(process.pid)
            peaks[0], peaks[1] = max(peaks[0], main), max(peaks[1], children)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"score failed: {stderr}")
    rows = sum(1 for _ in out.open(encoding="utf-8"))
    return {
        "messages": rows,
        "seconds": round(elapsed, 2),
        "messages_per_s": round(rows / elapsed),
        "peak_rss_mb_main": round(peaks[0], 1),
        "peak_rss_mb_workers_total": round(peaks[1], 1),
        "summary": stderr.strip().splitlines()[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--unique-share", type=float, default=0.5)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="chattriage-score-bench-") as tmp:
        workdir = Path(tmp)
        for count in args.messages:
            export = workdir / f"export-{count}.txt"
            build_export(export, count, args.unique_share)
            size_mb = round(export.stat().st_size / 1e6, 1)
            result = {"jobs": args.jobs, "unique_share": args.unique_share, "export_mb": size_mb}
            result |= run(export, args.jobs, workdir)
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
            export.unlink()


if __name__ == "__main__":
    main()
