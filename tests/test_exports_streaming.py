"""The readers stream: memory stays flat however long the export, and reading is fast.

Large synthetic exports are written to ``tmp_path`` by repeating the records of the shared fixtures.
One reader per input strategy is measured under ``tracemalloc`` (text split on header lines, CSV rows,
ijson-streamed JSON); its peak must stay under 2 MB and must not grow from 50k to 200k messages.

Read speed of every main family, on 200k-message exports (prints messages/s):

    .venv/bin/python tests/test_exports_streaming.py [messages]
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.exports import read

EXPORTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "exports"


def _records_per_copy(fixture: Path) -> int:
    return sum(1 for _ in read(fixture))


def _copies(fixture: Path, messages: int) -> tuple[int, int]:
    """How many copies of a fixture reach ``messages`` records, and how many records that makes."""
    per_copy = _records_per_copy(fixture)
    copies = math.ceil(messages / per_copy)
    return copies, copies * per_copy


def repeat_lines(fixture: str, target: Path, messages: int, *, head: int = 0, tail: str = "") -> int:
    """Keep the first ``head`` lines, repeat the rest (up to a ``tail`` line) separated by a blank line."""
    source = EXPORTS / fixture
    raw = source.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    lines = raw.decode(encoding).replace("\r\n", "\n").split("\n")
    end = next((i for i, line in enumerate(lines) if tail and line.startswith(tail)), len(lines))
    body = "\n".join(lines[head:end]).rstrip("\n") + "\n\n"
    copies, total = _copies(source, messages)
    with target.open("w", encoding=encoding, newline="\r\n") as stream:
        stream.write("".join(line + "\n" for line in lines[:head]))
        for _ in range(copies):
            stream.write(body)
        stream.write("\n".join(lines[end:]))
    return total


def repeat_csv_rows(fixture: str, target: Path, messages: int) -> int:
    source = EXPORTS / fixture
    raw = source.read_bytes()
    newline_at = raw.index(b"\n") + 1
    copies, total = _copies(source, messages)
    with target.open("wb") as stream:
        stream.write(raw[:newline_at])
        for _ in range(copies):
            stream.write(raw[newline_at:])
    return total


def repeat_json_items(fixture: str, target: Path, messages: int, *, items: str, key: str, indent: int) -> int:
    """Repeat the items at the dotted path ``items``, giving each copy fresh ids."""
    source = EXPORTS / fixture
    document = json.loads(source.read_text(encoding="utf-8"))
    holder = document
    *parents, last = items.split(".")
    for name in parents:
        holder = holder[name]
    records, holder[last] = holder[last], "@@ITEMS@@"
    before, after = json.dumps(document, ensure_ascii=False, indent=indent).split('"@@ITEMS@@"')
    copies = math.ceil(messages / len(records))
    rendered = [
        json.dumps({**record, key: "@@ID@@"}, ensure_ascii=False, indent=indent) for record in records
    ]
    ids = [record[key] for record in records]
    with target.open("w", encoding="utf-8") as stream:
        stream.write(before + "[\n")
        for copy in range(copies):
            separator = "" if copy == 0 else ",\n"
            stream.write(
                separator + ",\n".join(_with_id(text, ids[i], copy) for i, text in enumerate(rendered))
            )
        stream.write("\n]" + after)
    return copies * len(records)


def _with_id(rendered: str, original: Any, copy: int) -> str:
    fresh = original + copy * 1_000_000 if isinstance(original, int) else f"{original}{copy}"
    return rendered.replace('"@@ID@@"', json.dumps(fresh), 1)


def slack_days(target: Path, messages: int) -> int:
    """A Slack export whose channel holds the fixture's day file once per day, as many days as needed."""
    source = EXPORTS / "slack_export"
    day = (source / "book-club" / "2024-05-18.json").read_bytes()
    copies, total = _copies(source, messages)
    (target / "book-club").mkdir(parents=True)
    for name in ("users.json", "channels.json"):
        (target / name).write_bytes((source / name).read_bytes())
    for n in range(copies):
        (
            target / "book-club" / f"{2000 + n // 365:04d}-{1 + n % 365 // 31:02d}-{1 + n % 31:02d}.json"
        ).write_bytes(day)
    return total


def jsonl_rows(target: Path, messages: int) -> int:
    rows = [
        json.loads(line) for line in (EXPORTS / "expected" / "telegram_json.jsonl").open(encoding="utf-8")
    ]
    lines = [
        json.dumps({k: row[k] for k in ("sender_id", "sender_name", "ts", "text")}, ensure_ascii=False)
        for row in rows
    ]
    copies = math.ceil(messages / len(lines))
    with target.open("w", encoding="utf-8") as stream:
        for _ in range(copies):
            stream.write("\n".join(lines) + "\n")
    return copies * len(lines)


Builder = Callable[[Path, int], int]  # (target, messages) → records written
BUILDERS: dict[str, tuple[str, Builder]] = {
    "qq_txt": (
        "qq.txt",
        lambda path, n: repeat_lines("qq_txt_python_group_utf8bom_crlf.txt", path, n, head=8),
    ),
    "qq_mht": (
        "qq.mht",
        lambda path, n: repeat_lines("qq_mht_python_group.mht", path, n, head=13, tail="</table>"),
    ),
    "wechat_memotrace_v2_csv": (
        "memotrace.csv",
        lambda path, n: repeat_csv_rows("wechat_memotrace_v2_group_utf8.csv", path, n),
    ),
    "wechat_memotrace_v3_txt": (
        "memotrace.txt",
        lambda path, n: repeat_lines("wechat_memotrace_v3_group.txt", path, n),
    ),
    "wechat_pywxdump_csv": (
        "pywxdump.csv",
        lambda path, n: repeat_csv_rows("wechat_pywxdump_43325108172@chatroom_0_38.csv", path, n),
    ),
    "whatsapp_txt": ("whatsapp.txt", lambda path, n: repeat_lines("whatsapp_ios_en_chat.txt", path, n)),
    "telegram_json": (
        "result.json",
        lambda path, n: repeat_json_items(
            "telegram_result.json", path, n, items="messages", key="id", indent=1
        ),
    ),
    "discord_dce_json": (
        "discord.json",
        lambda path, n: repeat_json_items(
            "discord_dce_export.json", path, n, items="messages", key="id", indent=2
        ),
    ),
    "discord_dce_csv": ("discord.csv", lambda path, n: repeat_csv_rows("discord_dce_export.csv", path, n)),
    "slack_export": ("slack", slack_days),
    "feishu_api": (
        "feishu.json",
        lambda path, n: repeat_json_items(
            "feishu_im_messages.json", path, n, items="data.items", key="message_id", indent=2
        ),
    ),
    "generic_jsonl": ("rows.jsonl", jsonl_rows),
}


def build(fmt: str, folder: Path, messages: int) -> tuple[Path, int]:
    name, builder = BUILDERS[fmt]
    path = folder / name
    return path, builder(path, messages)


def peak_while_reading(path: Path, fmt: str) -> tuple[int, int, int]:
    """(records, errors, peak bytes traced) of reading ``path`` with nothing kept but counts."""
    errors: list[Exception] = []
    tracemalloc.start()
    try:
        records = sum(1 for _ in read(path, format=fmt, on_error=errors.append))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return records, len(errors), peak


STREAMED = ["qq_txt", "wechat_memotrace_v2_csv", "telegram_json"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", STREAMED, ids=STREAMED)
def test_memory_stays_flat_from_50k_to_200k_messages(tmp_path: Path, fmt: str) -> None:
    peaks = []
    for messages in (50_000, 200_000):
        folder = tmp_path / str(messages)
        folder.mkdir()
        path, written = build(fmt, folder, messages)
        records, errors, peak = peak_while_reading(path, fmt)
        assert (records, errors) == (written, 0)
        peaks.append(peak)
        path.unlink()
    small, large = peaks
    assert large < 2 * 1024 * 1024, f"peak {large / 1e6:.2f} MB reading 200k messages"
    assert large < small + 256 * 1024, f"peak grew from {small / 1e6:.2f} MB to {large / 1e6:.2f} MB"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(BUILDERS), ids=list(BUILDERS))
def test_reading_is_far_from_quadratic(tmp_path: Path, fmt: str) -> None:
    """A floor well below the measured speed (see the module docstring): it catches regressions of kind,
    such as work that grows with the file, not a few percent."""
    path, written = build(fmt, tmp_path, 20_000)
    started = time.perf_counter()
    records = sum(1 for _ in read(path, format=fmt))
    rate = records / (time.perf_counter() - started)
    assert records == written
    assert rate > 5_000, f"{fmt}: {rate:.0f} messages/s"


def benchmark(messages: int) -> None:
    """Print the read speed of every family on a synthetic export of ``messages`` records."""
    with tempfile.TemporaryDirectory() as folder:
        for fmt in BUILDERS:
            path, _ = build(fmt, Path(folder), messages)
            size = sum(p.stat().st_size for p in path.rglob("*")) if path.is_dir() else path.stat().st_size
            started = time.perf_counter()
            records = sum(1 for _ in read(path, format=fmt))
            seconds = time.perf_counter() - started
            rate = records / seconds
            print(f"{fmt:26} {records:8d} records {size / 1e6:7.1f} MB {seconds:6.2f} s {rate:9,.0f} msg/s")


if __name__ == "__main__":
    benchmark(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
