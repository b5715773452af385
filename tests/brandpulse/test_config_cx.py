"""The config's `cx:` section and brand accounts: the touchpoint taxonomy, its examples and the
response targets, and mistakes named by file, line and key."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from brandpulse.config import load_config
from brandpulse.sentiment.touchpoints import TagExample
from brandpulse.yamlsource import ConfigError
from tests.support.embeddings import bag_of_words


def write_config(tmp_path: Path, cx: str) -> Path:
    path = tmp_path / "brandpulse.yaml"
    path.write_text(textwrap.dedent("""\
        brands:
          - name: Lumora
            terms: [Lumora]
            accounts:
              x: [LumoraHelp]
        """) + textwrap.dedent(cx), encoding="utf-8")
    return path


def test_the_config_sets_taxonomy_examples_and_targets(tmp_path):
    config = load_config(write_config(tmp_path, """\
        cx:
          tags:
            examples:
              - {text: "colis perdu", touchpoint: delivery, stage: support}
          sla:
            targets: {urgent: 30m, negative: 8h}
        """))
    assert config.cx.sla.targets == {"urgent": timedelta(minutes=30), "angry": timedelta(hours=4),
                                     "negative": timedelta(hours=8)}
    assert config.brands[0].accounts == {"x": ["LumoraHelp"]}
    classifier = config.cx.tags.classifier(bag_of_words)
    assert classifier.examples == [TagExample("colis perdu", "delivery", "support")]


def test_config_mistakes_name_the_line_and_key(tmp_path):
    with pytest.raises(ConfigError, match=r"yaml:7: cx.tags: example 'colis perdu' has unknown stage 'after_sales'"):
        load_config(write_config(tmp_path, """\
            cx:
              tags:
                examples:
                  - {text: "colis perdu", stage: after_sales}
            """))
    with pytest.raises(ConfigError, match=r"yaml:7: cx.tags: touchpoints need at least two labels"):
        load_config(write_config(tmp_path, """\
            cx:
              tags:
                touchpoints: {delivery: [parcel late]}
            """))
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("brands:\n  - name: Lumora\n    terms: [Lumora]\n    accounts:\n      tiktok: [lumora]\n",
                        encoding="utf-8")
    with pytest.raises(ConfigError, match=r"accounts.yaml:5: brands\[0\].accounts.tiktok: unknown source 'tiktok'"):
        load_config(accounts)
