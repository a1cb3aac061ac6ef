"""The command line, run through click's runner (and once as `python -m service`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from tests.conftest import write_jsonl


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_classify_prints_label_scores_and_evidence(runner: CliRunner, small_model_path: Path) -> None:
    result = runner.invoke(
        main, ["classify", "--model", str(small_model_path), "兼职刷单日结500 加V❤信 kx2024abc"]
    )
    assert result.exit_code == 0, result.output
    first, scores, evidence = result.output.splitlines()[:3]
    assert first.startswith("ad (广告)")
    assert all(f"{label} " in scores for label in ("ad", "chatter", "question", "share", "conflict"))
    assert evidence.startswith("  evidence:")


def test_classify_json_gives_five_scores_summing_to_one(runner: CliRunner, small_model_path: Path) -> None:
    result = runner.invoke(
        main, ["classify", "--json", "--model", str(small_model_path), "早", "有人知道怎么退款吗"]
    )
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.output.splitlines()]
    assert [o["text"] for o in objects] == ["早", "有人知道怎么退款吗"]
    for o in objects:
        assert set(o["scores"]) == {"ad", "chatter", "question", "share", "conflict"}
        assert sum(o["scores"].values()) == pytest.approx(1.0, abs=1e-3)
        assert o["label"] == max(o["scores"], key=o["scores"].get)


def test_evaluate_json_has_the_documented_keys(
    runner: CliRunner, small_model_path: Path, tmp_path: Path
) -> None:
    data = write_jsonl(
        tmp_path / "eval.jsonl",
        [
            {"text": "加我微信领资料 私聊", "label": "ad"},
            {"text": "早上好", "label": "chatter"},
            {"text": "有没有人知道怎么报名", "label": "question"},
        ],
    )
    result = runner.invoke(main, ["evaluate", str(data), "--model", str(small_model_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {"macro_f1", "accuracy", "per_label", "confusion"} <= set(report)
    assert set(report["per_label"]["ad"]) == {"precision", "recall", "f1", "support"}
    assert sum(map(sum, report["confusion"]["matrix"])) == 3


def test_evaluate_table_output(runner: CliRunner, small_model_path: Path, tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "eval.jsonl", [{"text": "早上好", "label": "chatter"}])
    result = runner.invoke(main, ["evaluate", str(data), "--model", str(small_model_path)])
    assert result.exit_code == 0
    assert "macro-F1" in result.output and "confusion" in result.output


def test_evaluate_names_the_bad_line(runner: CliRunner, small_model_path: Path, tmp_path: Path) -> None:
    data = tmp_path / "eval.jsonl"
    data.write_text('{"text": "早", "label": "chatter"}\n{"text": "x", "label": "nope"}\n', encoding="utf-8")
    result = runner.invoke(main, ["evaluate", str(data), "--model", str(small_model_path)])
    assert result.exit_code == 2
    assert "eval.jsonl:2: unknown label 'nope'" in result.output


def test_a_missing_model_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["classify", "--model", str(tmp_path / "none.joblib"), "早"])
    assert result.exit_code == 2
    assert "manifest" in result.output and "missing" in result.output


def test_validate_corpus_fails_on_a_small_corpus(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    row = {"text": "早", "label": "chatter", "group": "pets", "lang": "zh-Hans", "origin": "written"}
    write_jsonl(tmp_path / "corpus" / "pets.jsonl", [row])
    result = runner.invoke(main, ["validate-corpus", "--corpus", str(tmp_path)])
    assert result.exit_code == 1
    assert "PROBLEM: 1 distinct rows < 8000" in result.output


def test_python_dash_m_service_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "service", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("classify", "evaluate", "train", "validate-corpus"):
        assert command in done.stdout
