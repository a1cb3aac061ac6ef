"""`python -m service score`: real export files in, one row per message out, plus the report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from service.cli import main
from service.outputs import FIELDS
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures" / "exports"
QQ = FIXTURES / "qq_txt_python_group_utf8bom_crlf.txt"
pytestmark = pytest.mark.skipif(
    not FIXTURES.exists(), reason="../shared/fixtures is not beside this checkout"
)


def expected_count(fixture_id: str) -> int:
    return len((FIXTURES / "expected" / f"{fixture_id}.jsonl").read_text(encoding="utf-8").splitlines())


def score(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["score", *args, "--no-progress"], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_rows_have_the_reader_fields_the_label_the_scores_and_the_version(
    small_model_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rows.jsonl"
    code, _, err = score(str(QQ), "--model", str(small_model_path), "--out", str(out))
    assert code == 0, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == expected_count("qq_txt_utf8bom")
    assert list(rows[0]) == list(FIELDS)
    for row in rows:
        scores = [row[f"score_{label}"] for label in ("ad", "chatter", "question", "share", "conflict")]
        assert sum(scores) == pytest.approx(1.0, abs=1e-5)
        assert row["label"] in ("ad", "chatter", "question", "share", "conflict")
        assert row["confidence"] == row[f"score_{row['label']}"]
        assert row["timestamp"].endswith("+08:00") and row["model_version"]
    assert {row["basis"] for row in rows} <= {"text", "context", "default"}
    assert "system records skipped 3" in err


def test_csv_and_parquet_carry_the_same_rows(small_model_path: Path, tmp_path: Path) -> None:
    outputs = {suffix: tmp_path / f"rows{suffix}" for suffix in (".jsonl", ".csv", ".parquet")}
    for path in outputs.values():
        assert score(str(QQ), "--model", str(small_model_path), "--out", str(path))[0] == 0
    jsonl = [json.loads(line) for line in outputs[".jsonl"].read_text(encoding="utf-8").splitlines()]
    table = pq.read_table(outputs[".parquet"]).to_pylist()
    with outputs[".csv"].open(encoding="utf-8", newline="") as handle:
        csv_rows = list(csv.DictReader(handle))
    assert list(csv_rows[0]) == list(FIELDS)
    assert len(table) == len(jsonl) == len(csv_rows)
    assert [r["text"] for r in csv_rows] == [r["text"] for r in jsonl]
    assert [r["label"] for r in table] == [r["label"] for r in jsonl]
    assert [r["text"] for r in table] == [r["text"] for r in jsonl]


@pytest.mark.slow
def test_output_is_byte_identical_across_runs_and_job_counts(small_model_path: Path, tmp_path: Path) -> None:
    outputs = []
    for n, jobs in enumerate(("1", "1", "2")):
        out = tmp_path / f"run{n}.jsonl"
        assert score(str(QQ), "--model", str(small_model_path), "--out", str(out), "--jobs", jobs)[0] == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_a_folder_and_stdin_are_inputs(small_model_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "slack.jsonl"
    assert score(str(FIXTURES / "slack_export"), "--model", str(small_model_path), "--out", str(out))[0] == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == expected_count("slack_export")
    code, stdout, _ = score("-", "--model", str(small_model_path), stdin=QQ.read_bytes())
    assert code == 0 and len(stdout.splitlines()) == expected_count("qq_txt_utf8bom")


def test_a_malformed_record_is_reported_and_skipped_or_stops_the_run(
    small_model_path: Path, tmp_path: Path
) -> None:
    data = tmp_path / "export.jsonl"
    data.write_text(
        '{"text": "早上好"}\n{"body": "no text"}\n{not json\n{"text": "有人知道怎么退款吗"}\n',
        encoding="utf-8",
    )
    code, stdout, err = score(str(data), "--model", str(small_model_path), "--format", "generic_jsonl")
    assert code == 0 and len(stdout.splitlines()) == 2
    assert "export.jsonl:2" in err and "export.jsonl:3" in err and "malformed skipped 2" in err
    code, _, err = score(str(data), "--model", str(small_model_path), "--format", "generic_jsonl", "--strict")
    assert code == 2 and "export.jsonl:2" in err


def test_an_unknown_file_names_every_format_it_tried(small_model_path: Path, tmp_path: Path) -> None:
    odd = tmp_path / "notes.txt"
    odd.write_text("just some notes\nnothing like a chat export\n", encoding="utf-8")
    code, _, err = score(str(odd), "--model", str(small_model_path))
    assert code == 2
    assert "WhatsApp" in err and "generic CSV" in err


def test_a_bad_output_suffix_is_refused(small_model_path: Path, tmp_path: Path) -> None:
    code, _, err = score(str(QQ), "--model", str(small_model_path), "--out", str(tmp_path / "rows.xlsx"))
    assert code == 2 and ".jsonl, .csv, .parquet" in err


def test_the_report_is_written_as_html_and_json(small_model_path: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    rows = tmp_path / "rows.jsonl"
    assert (
        score(str(QQ), "--model", str(small_model_path), "--out", str(rows), "--report", str(report))[0] == 0
    )
    figures = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    assert figures["messages"] == expected_count("qq_txt_utf8bom")
    assert sum(v["count"] for v in figures["labels"].values()) == figures["messages"]
    assert {m["name"] for m in figures["members"]} >= {"小林", "码农小白"}
    page = report.read_text(encoding="utf-8")
    assert "<svg" in page and 'id="members"' in page and "码农小白" in page
