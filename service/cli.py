"""Command line: the only module that imports click. Thin: parse, call the domain, format.

python -m service classify TEXT…            label, five scores, top evidence
python -m service evaluate DATA.jsonl       per-label P/R/F1, macro-F1, accuracy, confusion
python -m service train                     evaluate on held-out splits, write models/ (with a floor)
python -m service validate-corpus           check the corpus against its requirements
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from service.classifier import Classifier
from service.config import Settings, get_settings
from service.errors import ChatTriageError
from service.evaluation import classification_report, format_report, read_labeled_jsonl
from service.labels import LABELS
from service.logs import configure_logging
from service.text import segment

_MODEL_HELP = "Model artifact (.joblib). Default: CHATTRIAGE_MODEL_PATH or the shipped model."


class _Context:
    def __init__(self) -> None:
        self.settings: Settings = get_settings()
        self._classifier: Classifier | None = None

    def classifier(self, path: Path | None) -> Classifier:
        if self._classifier is None:
            segment.configure(engine=self.settings.segmenter, cache_dir=self.settings.cache_dir)
            self._classifier = Classifier.load(path or self.settings.model_path)
        return self._classifier


def _fail(error: ChatTriageError) -> None:
    click.echo(f"error: {error.message}", err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chat-triage")
@click.pass_context
def main(ctx: click.Context) -> None:
    """ChatTriage: classify Chinese group-chat messages as ad / chatter / question / share / conflict."""
    settings = get_settings()
    configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level, settings.log_format)
    ctx.obj = _Context()


@main.command()
@click.argument("texts", nargs=-1, required=True)
@click.option("--model", "model_path", type=click.Path(path_type=Path), help=_MODEL_HELP)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per text instead of a table.")
@click.option("--top", default=5, show_default=True, help="How many evidence features to show.")
@click.pass_obj
def classify(obj: _Context, texts: tuple[str, ...], model_path: Path | None, as_json: bool, top: int) -> None:
    """Classify each TEXT: label, the five scores and the features that decided it."""
    try:
        classifier = obj.classifier(model_path)
    except ChatTriageError as error:
        _fail(error)
    for text in texts:
        explanation = classifier.explain(text, top=top)
        prediction = explanation.prediction
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "text": text,
                        "label": prediction.label.value,
                        "label_zh": prediction.label.zh,
                        "confidence": round(prediction.confidence, 4),
                        "scores": {k: round(v, 4) for k, v in prediction.scores_by_name().items()},
                        "evidence": [
                            {"feature": e.feature, "kind": e.kind, "weight": round(e.weight, 3)}
                            for e in explanation.evidence
                        ],
                        "model_version": prediction.model_version,
                    },
                    ensure_ascii=False,
                )
            )
            continue
        scores = "  ".join(f"{label.value} {prediction.scores[label]:.3f}" for label in LABELS)
        click.echo(f"{prediction.label.value} ({prediction.label.zh}) {prediction.confidence:.3f}   {text}")
        click.echo(f"  scores:   {scores}")
        if explanation.evidence:
            evidence = ", ".join(f"{e.feature} ({e.kind} +{e.weight:.2f})" for e in explanation.evidence)
            click.echo(f"  evidence: {evidence}")


@main.command()
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--model", "model_path", type=click.Path(path_type=Path), help=_MODEL_HELP)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object (macro_f1, accuracy, per_label, confusion).",
)
@click.option("--text-field", default="text", show_default=True, help="Name of the text field.")
@click.option("--label-field", default="label", show_default=True, help="Name of the label field.")
@click.pass_obj
def evaluate(
    obj: _Context, data: Path, model_path: Path | None, as_json: bool, text_field: str, label_field: str
) -> None:
    """Score a labeled JSONL file (one {"text", "label"} object per line) and report the metrics."""
    try:
        records = list(read_labeled_jsonl(data, text_field=text_field, label_field=label_field))
        classifier = obj.classifier(model_path)
    except ChatTriageError as error:
        _fail(error)
    if not records:
        _fail(ChatTriageError(f"{data}: no records"))
    probabilities = classifier.predict_proba([r.text for r in records])
    predicted = [LABELS[k] for k in probabilities.argmax(axis=1)]
    report = classification_report([r.label for r in records], predicted, probabilities)
    report["model_version"] = classifier.version
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
    else:
        click.echo(format_report(report, title=f"{data} — model {classifier.version}"))


@main.command()
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Corpus root (with corpus/ and augmented/). Default: training/data.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Where to write the artifact. Default: the shipped path."
)
@click.option(
    "--min-macro-f1",
    type=float,
    default=0.90,
    show_default=True,
    help="Refuse to write a model whose by-vertical macro-F1 is below this floor.",
)
@click.option("--seed", type=int, default=13, show_default=True, help="Seed for folds and the solver.")
@click.option(
    "--c", "c", type=float, default=None, help="Inverse regularisation strength (default: TrainConfig)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.pass_obj
def train(
    obj: _Context,
    corpus_dir: Path | None,
    out: Path | None,
    min_macro_f1: float,
    seed: int,
    c: float | None,
    as_json: bool,
) -> None:
    """Train on the project corpus, report held-out metrics (random and by vertical), write the model."""
    from training.train import TrainConfig  # the CLI is the one edge that drives both service and training
    from training.train import train as run_training

    defaults = TrainConfig()
    config = TrainConfig(
        corpus_dir=corpus_dir or defaults.corpus_dir,
        out=out or obj.settings.model_path,
        min_macro_f1=min_macro_f1,
        seed=seed,
        c=c if c is not None else defaults.c,
    )
    segment.configure(engine=obj.settings.segmenter, cache_dir=obj.settings.cache_dir)
    steps = 2 * config.folds + 1
    done = [0]

    def progress(message: str) -> None:
        done[0] += 1
        click.echo(f"[{done[0]}/{steps}] {message}", err=True)

    try:
        result = run_training(config, progress=progress)
    except ChatTriageError as error:
        _fail(error)
    if as_json:
        click.echo(json.dumps(result.metrics, ensure_ascii=False))
        return
    for report in result.metrics.values():
        click.echo(format_report(report, title=f"held-out: {report['scheme']}"))
        click.echo("")
    click.echo(
        f"wrote {config.out} (model {result.manifest.model_version}, {result.manifest.size_bytes} bytes)"
    )


@main.command()
@click.option("--host", help="Bind address (default: CHATTRIAGE_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: CHATTRIAGE_PORT or 8000).")
@click.option(
    "--workers", type=int, help="Worker processes, one model copy each (default: CHATTRIAGE_WORKERS or 1)."
)
@click.option("--model", "model_path", type=click.Path(path_type=Path), help=_MODEL_HELP)
@click.pass_obj
def serve(
    obj: _Context, host: str | None, port: int | None, workers: int | None, model_path: Path | None
) -> None:
    """Serve the HTTP API (FastAPI under uvicorn) on the shipped model with the embedded defaults."""
    from service.api.server import serve as run_server

    overrides = {"host": host, "port": port, "workers": workers, "model_path": model_path}
    settings = obj.settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    configure_logging(settings.log_level, settings.log_format)
    run_server(settings)


def _verified_version(path: Path) -> str:
    from service.classifier import Manifest, manifest_path, verify_manifest

    manifest = Manifest.read(manifest_path(path))
    verify_manifest(manifest, path)
    return manifest.model_version


def _export_inputs(paths: tuple[Path, ...], workdir: Path) -> list[Path]:
    """Files to read: each file as is, each folder's files (a Slack export folder as one), stdin saved."""
    from service import exports

    found: list[Path] = []
    for path in paths:
        if str(path) == "-":
            saved = workdir / "stdin"
            with saved.open("wb") as handle:
                shutil.copyfileobj(sys.stdin.buffer, handle)
            found.append(saved)
        elif path.is_dir():
            try:
                is_slack = exports.detect(path) == "slack_export"
            except ChatTriageError:
                is_slack = False
            if is_slack:
                found.append(path)
            else:
                found.extend(p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith("."))
        else:
            found.append(path)
    return found


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    help="Export format, or auto to detect it from the content (see README for the list).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Scored rows: FILE.jsonl, FILE.csv or FILE.parquet (default: JSONL on standard output).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Write an HTML report here, and the same figures as JSON beside it (FILE.json).",
)
@click.option("--jobs", type=int, default=1, show_default=True, help="Worker processes for classification.")
@click.option("--model", "model_path", type=click.Path(path_type=Path), help=_MODEL_HELP)
@click.option(
    "--text-field", default="text", show_default=True, help="Text column of generic CSV/JSONL exports."
)
@click.option(
    "--tz", default="Asia/Shanghai", show_default=True, help="Zone of the naive local times in exports."
)
@click.option("--strict", is_flag=True, help="Stop at the first malformed record instead of skipping it.")
@click.option(
    "--answer-window",
    type=int,
    default=60,
    show_default=True,
    help="Minutes a question may wait for a reply before the report calls it unanswered.",
)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: only on a terminal).")
@click.pass_obj
def score(
    obj: _Context, inputs: tuple[Path, ...], fmt: str, out: Path | None, report_path: Path | None,
    jobs: int, model_path: Path | None, text_field: str, tz: str, strict: bool, answer_window: int,
    progress: bool | None,
) -> None:  # fmt: skip
    """Score chat exports (files, folders or - for stdin): one row per message, and optionally a report."""
    from datetime import timedelta
    from itertools import chain

    from tqdm import tqdm

    from service import exports, scoring
    from service.errors import DataError
    from service.outputs import open_writer
    from service.report import ReportBuilder, render_html

    if fmt != "auto" and fmt not in exports.FORMATS:
        _fail(ChatTriageError(f"unknown --format {fmt!r}; known: auto, {', '.join(exports.FORMATS)}"))
    if jobs < 1:
        _fail(ChatTriageError("--jobs must be at least 1"))
    path = model_path or obj.settings.model_path
    malformed: list[DataError] = []

    def report_error(error: DataError) -> None:
        malformed.append(error)
        click.echo(f"warning: skipped {error.message}", err=True)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chattriage-") as workdir:
        try:
            # With workers, they load the model; here the verified manifest gives the version.
            model = obj.classifier(path) if jobs == 1 else None
            version = model.version if model else _verified_version(path)
            files = _export_inputs(inputs, Path(workdir))
            streams = [
                exports.read(f, format=fmt, text_field=text_field, tz=tz,
                             errors="strict" if strict else "skip", on_error=report_error)
                for f in files
            ]  # fmt: skip
            writer, handle = open_writer(out, version)
        except ChatTriageError as error:
            _fail(error)
        show = progress if progress is not None else sys.stderr.isatty()
        total = None
        if show:  # a quick read-only pass gives the bar its total (reading is far faster than scoring)
            total = sum(1 for f in files for m in exports.read(f, format=fmt, text_field=text_field, tz=tz)
                        if not m.is_system)  # fmt: skip
        stats = scoring.ScoreStats()
        builder = ReportBuilder(answer_window=timedelta(minutes=answer_window)) if report_path else None
        rows = scoring.score(
            chain.from_iterable(streams), model=model, model_path=path, jobs=jobs, stats=stats
        )
        bar = tqdm(total=total, unit="msg", unit_scale=True, disable=not show, file=sys.stderr, smoothing=0.1)

        def observed(stream: Iterator[scoring.Scored]) -> Iterator[scoring.Scored]:
            for row in stream:
                if builder is not None:
                    builder.add(row)
                bar.update()
                yield row

        try:
            writer.write(observed(rows))
        except ChatTriageError as error:
            _fail(error)
        finally:
            bar.close()
            writer.close()
            if handle is not None:
                handle.close()
    if builder is not None and report_path is not None:
        figures = builder.finish()
        report_path.parent.mkdir(parents=True, exist_ok=True)
        title = f"ChatTriage report — {files[0].name if files else ''}"
        report_path.write_text(render_html(figures, title=title), encoding="utf-8")
        report_path.with_suffix(".json").write_text(
            json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    elapsed = time.perf_counter() - started
    labels = ", ".join(f"{k} {v}" for k, v in sorted(stats.by_label.items()))
    rate = stats.scored / elapsed if elapsed else 0.0
    click.echo(
        f"scored {stats.scored} messages from {len(files)} file(s) in {elapsed:.1f} s ({rate:,.0f} msg/s); "
        f"system records skipped {stats.system_skipped}, malformed skipped {len(malformed)}; {labels}",
        err=True,
    )


@main.command("validate-corpus")
@click.option(
    "--corpus",
    "corpus_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Corpus root (with corpus/ and augmented/). Default: training/data.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def validate_corpus(corpus_dir: Path | None, as_json: bool) -> None:
    """Check the corpus schema and requirements (size, labels, verticals, script, hard cases, duplicates)."""
    from training.corpus import CORPUS_DIR, check_corpus, load_corpus

    try:
        report = check_corpus(load_corpus(corpus_dir or CORPUS_DIR))
    except ChatTriageError as error:
        _fail(error)
    data: dict[str, Any] = report.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        for key, value in data.items():
            if key not in ("problems", "warnings"):
                click.echo(f"{key:<26}{value}")
        for warning in report.warnings[:20]:
            click.echo(f"warning: {warning}")
        for problem in report.problems:
            click.echo(f"PROBLEM: {problem}")
    if not report.ok:
        sys.exit(1)
