"""`python -m benchmarks dashboard` judges its figures against the issue's targets and fails on a miss."""

from __future__ import annotations

import re

import pytest

import brandpulse.reports.feedback as feedback_module
from benchmarks import dashboard


def verdicts(output: str) -> dict[str, str]:
    """Each judged figure's target and result ("p95 <= 300 ms pass"), by its first column."""
    found = {}
    for line in output.splitlines():
        judged = re.search(r"(p95 )?<= .*$", line)
        if judged:
            found[line.partition("  ")[0]] = " ".join(judged.group().split())
    return found


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(feedback_module, "find_chromium", lambda: None)  # no PDF: the test stays quick
    arguments = ["--mentions", "3000", "--calls", "10", "--embed", "hash", "--db", str(tmp_path / "bench.db"),
                 "--output", str(tmp_path / "report")]

    def run(*extra: str) -> tuple[int, str]:
        code = dashboard.main([*arguments, *extra])
        return code, capsys.readouterr().out

    return run


def test_each_figure_has_a_pass_column_and_a_miss_fails_the_run(run, monkeypatch):
    # Whether this machine meets the real 300 ms target is the benchmark's verdict, not this test's (a shared,
    # busy machine may miss it): here a target every call meets, then one none can.
    monkeypatch.setattr(dashboard, "API_P95_MS", 60_000.0)
    code, output = run()
    assert code == 0 and "missed" not in output
    assert verdicts(output) == {"overview": "p95 <= 60000 ms pass", "mentions explorer": "p95 <= 60000 ms pass",
                                "report target": "<= 60 s pass (themes with --embed hash, not the model)"}
    assert "(counted in overview)" in output  # the cold calls are in the overview's p95

    monkeypatch.setattr(dashboard, "API_P95_MS", 0.0)  # no API call is that fast
    code, output = run("--skip-report")
    assert code == 1 and output.rstrip().endswith("missed target(s): overview, mentions explorer")
    assert verdicts(output) == {"overview": "p95 <= 0 ms FAIL", "mentions explorer": "p95 <= 0 ms FAIL"}

    monkeypatch.setattr(dashboard, "REPORT_SECONDS", 0.0)
    code, output = run("--skip-api")
    assert code == 1 and output.rstrip().endswith("missed target(s): report")
    assert verdicts(output)["report target"].startswith("<= 0 s FAIL")
