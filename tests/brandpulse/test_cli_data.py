"""`brandpulse import` keeps good rows and reports bad ones by line; `mentions` lists and exports."""

from __future__ import annotations

import json
import os
import textwrap
import threading
import time

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from brandpulse.cli import app, data
from brandpulse.storage.engine import create_database_engine
from brandpulse.storage.schema import mentions

CSV = """\
id,date,content,author,brand
1,2026-03-02T10:00:00Z,Lumora Halo arrived today,@ana,Lumora
2,not a date,Lumora support never answered,@ben,Lumora
3,2026-03-02T11:30:00Z,,@cy,Lumora
4,2026-03-02T12:00:00Z,Brevio Uno makes great coffee,@di,Brevio
4,2026-03-02T12:00:00Z,Brevio Uno makes great coffee,@di,Brevio
"""


@pytest.fixture
def config_file(tmp_path, database_url):
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent(f"""\
        database: {database_url}
        brands:
          - name: Lumora
            terms: [Lumora]
          - name: Brevio
            terms: [Brevio]
        """), encoding="utf-8")
    return path


def run(config_file, *args):
    return CliRunner().invoke(app, ["-c", str(config_file), *args], catch_exceptions=False)


def test_import_stores_the_good_rows_and_names_the_bad_lines(tmp_path, config_file):
    export = tmp_path / "export.csv"
    export.write_text(CSV, encoding="utf-8")
    result = run(config_file, "import", str(export))
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "2 new, 0 already stored, 3 rejected" in output
    assert "line 3: unparseable date 'not a date'" in output
    assert "line 4: missing text" in output
    assert "line 6: duplicate of line 5" in output
    listed = run(config_file, "mentions", "--format", "json", "--limit", "0")
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert sorted(row["text"] for row in rows) == ["Brevio Uno makes great coffee", "Lumora Halo arrived today"]


def export_rows(first: int, last: int) -> str:
    return "".join(json.dumps({"id": i, "date": "2026-03-02T10:00:00Z", "text": f"Lumora note {i}",
                               "brand": "Lumora"}) + "\n" for i in range(first, last))


def test_import_commits_each_batch_while_the_rest_of_the_file_is_still_unread(tmp_path, config_file, database_url,
                                                                               monkeypatch):
    """A named pipe stands in for a multi-GB export: its writer sends 10 rows (one batch here), waits
    until they are committed, and only then sends the other 15. An import that read the whole file
    before storing would never see them committed."""
    monkeypatch.setattr(data, "IMPORT_BATCH", 10)
    export = tmp_path / "export.jsonl"
    os.mkfifo(export)
    onlooker = create_database_engine(database_url)
    committed_before_the_rest: list[int] = []

    def committed() -> int:
        with onlooker.connect() as connection:
            return connection.execute(select(func.count()).select_from(mentions)).scalar_one()

    def write_the_export() -> None:
        with open(export, "w", encoding="utf-8") as pipe:
            pipe.write(export_rows(0, 10))
            pipe.flush()
            deadline = time.monotonic() + 10
            while committed() < 10 and time.monotonic() < deadline:
                time.sleep(0.05)
            committed_before_the_rest.append(committed())
            pipe.write(export_rows(10, 25))

    writer = threading.Thread(target=write_the_export)
    writer.start()
    result = run(config_file, "import", str(export))
    writer.join(15)
    onlooker.dispose()
    assert result.exit_code == 0, result.output
    assert committed_before_the_rest == [10]
    output = " ".join(result.output.split())
    assert "importing" in output and "25 rows" in output  # a pipe has no size: progress counts rows
    assert "25 new, 0 already stored, 0 rejected" in output


def test_import_progress_is_the_share_of_the_file_read(tmp_path, config_file):
    export = tmp_path / "export.jsonl"
    export.write_text(export_rows(0, 25), encoding="utf-8")
    result = run(config_file, "import", str(export))
    output = " ".join(result.output.split())
    size = export.stat().st_size
    assert f"25 rows {size / 1000:.1f}/{size / 1000:.1f} kB" in output
    assert "25 new, 0 already stored, 0 rejected" in output


def test_importing_the_same_file_twice_adds_nothing(tmp_path, config_file):
    export = tmp_path / "export.csv"
    export.write_text(CSV, encoding="utf-8")
    run(config_file, "import", str(export))
    again = run(config_file, "import", str(export))
    assert "0 new, 2 already stored" in " ".join(again.output.split())


def test_mentions_filter_and_export_csv(tmp_path, config_file):
    export = tmp_path / "export.csv"
    export.write_text(CSV, encoding="utf-8")
    run(config_file, "import", str(export))
    out = tmp_path / "lumora.csv"
    result = run(config_file, "mentions", "--brand", "Lumora", "--format", "csv", "--output", str(out))
    assert "Wrote 1 mention(s)" in " ".join(result.output.split())
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,brand,source")
    assert "Lumora Halo arrived today" in lines[1]


def test_a_bad_config_fails_at_start_with_its_line(tmp_path):
    path = tmp_path / "brandpulse.yaml"
    path.write_text("brands:\n  - name: Lumora\n    terms: [Lumora]\n    colour: blue\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["-c", str(path), "status"])
    assert result.exit_code == 2
    assert f"{path}:4: brands[0].colour: unknown key" in result.output


def test_the_mentions_table_shows_mentions_without_author_language_or_score(tmp_path, config_file):
    export = tmp_path / "export.csv"
    export.write_text("id,date,content,author,language,brand\n"
                      "1,2026-03-02T10:00:00Z,Lumora Halo [sic] arrived today,,,Lumora\n"
                      "2,2026-03-02T09:00:00Z,Lumora support answered,@ana,en,Lumora\n", encoding="utf-8")
    run(config_file, "import", str(export))
    result = run(config_file, "mentions")
    assert result.exit_code == 0, result.output
    rows = [[cell.strip() for cell in line.strip("│ ").split("│")] for line in result.output.splitlines()
            if "Lumora" in line and "│" in line and line.split("│")[1].strip()]  # the first line of each row
    assert [row[1:6] for row in rows] == [["Lumora", "import", "", "unscored", ""],  # no language, no author
                                          ["Lumora", "import", "en", "unscored", "@ana"]]
    assert "[sic]" in result.output  # the post's own brackets are text, not markup
