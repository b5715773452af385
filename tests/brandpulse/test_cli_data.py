"""`brandpulse import` keeps good rows and reports bad ones by line; `mentions` lists and exports."""

from __future__ import annotations

import json
import textwrap

import pytest
from typer.testing import CliRunner

from brandpulse.cli import app

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
