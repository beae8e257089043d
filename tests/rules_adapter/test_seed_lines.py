"""Every refusal rests on a seed line: each quote of the rule files is found, word for word, in
the document it names (docs/seeds/, copies of the five source documents)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from rules_adapter import rule_sets
from rules_adapter.rules import texts

SEEDS = Path(__file__).resolve().parents[2] / "docs" / "seeds"


def _plain(text: str) -> str:
    """The words only: typographic apostrophes, markdown bold and line breaks do not count."""
    text = text.replace("’", "'").replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


def _seed(document: str) -> str:
    number = document[:3]
    found = sorted(SEEDS.glob(f"{number}_*.txt"))
    assert found, f"no seed document {number} in {SEEDS}"
    return _plain(found[0].read_text(encoding="utf-8"))


REFUSALS = [(r.version, criterion, way, source)
            for r in rule_sets() for criterion, ways in r.refusals.items() for way, source in ways.items()]


@pytest.mark.parametrize("version, criterion, way, source", REFUSALS,
                         ids=[f"{v}:{c}.{w}" for v, c, w, _ in REFUSALS])
def test_every_refusal_quotes_a_line_of_its_seed(version, criterion, way, source):
    assert source.quote, f"{version}: criteria.{criterion}.refusals.{way} has no quote"
    assert _plain(source.quote) in _seed(source.document), (
        f"{version}: criteria.{criterion}.refusals.{way}: « {source.quote} » is not in {source.document}")


def test_every_source_names_a_seed_document():
    sources = [s for r in rule_sets() for group in r.sources.values() for s in group]
    sources += [o["source"] for o in texts()["orientations"].values()]
    for source in sources:
        document = source.document if hasattr(source, "document") else source["document"]
        _seed(document)  # the document exists


def test_both_rule_versions_can_refuse_only_where_a_seed_line_says_so():
    # The criteria that may refuse, per version: a new way of refusing needs its line (schema)
    # and shows up here for review.
    ways = {r.version: sorted(f"{c}.{w}" for c, ws in r.refusals.items() for w in ws) for r in rule_sets()}
    assert ways == {
        "2021-04-08": ["employer.excluded_sector", "employer.size", "job_seeker.former_employer",
                       "job_seeker.too_long", "situation.independant", "situation.retraite"],
        "2022-06-15": ["contract.short", "difficulty.redirect", "employer.excluded_sector", "employer.size",
                       "housing_location.outside", "job_seeker.former_employer", "job_seeker.too_long",
                       "situation.independant", "situation.retraite"],
    }
