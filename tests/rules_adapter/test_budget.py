"""The worked examples of the 2021 presentation (seed 001, annexes) are the test table."""
from __future__ import annotations

import pytest

from rules_adapter import BudgetError, budget

SEED_EXAMPLES = [
    # (example, incomes, charges, aids, debt ratio printed, remaining income printed)
    ("changement familial, pendant", {"salaire": 2000}, {"pret_immobilier": 1050}, {}, 52, 950),
    ("changement familial, après", {"salaire": 2000.00},
     {"pret_prpi": 183.96, "pret_accession": 175.00, "pret_complementaire": 352.38}, {}, 35, 1289),
    ("problème de santé, avant", {"salaire": 1800}, {"loyer": 433}, {}, 24, 1367),
    ("problème de santé, pendant", {"indemnites_journalieres": 1386}, {"loyer": 433}, {}, 31, 953),
    ("problème de santé, après", {"salaire": 1800}, {"loyer": 433, "pret_locallege": 90}, {}, 29, 1277),
    ("absence de logement, pendant", {"salaire": 1600}, {"hotel": 1200}, {"prise_en_charge_als": 700}, 31, 1100),
    ("absence de logement, après", {"salaire": 1600, "prime_activite": 130, "asf": 116},
     {"loyer": 582, "loca_pass": 22.50}, {"apl": 120}, 26, 1361.50),
]


@pytest.mark.parametrize(
    "name, incomes, charges, aids, ratio, remaining", SEED_EXAMPLES, ids=[e[0] for e in SEED_EXAMPLES]
)
def test_seed_worked_examples(name, incomes, charges, aids, ratio, remaining):
    result = budget(incomes, charges, aids)
    assert result.debt_ratio_percent == ratio
    # The seed prints whole euros except in its last example.
    assert round(float(result.remaining_income), 2) == pytest.approx(remaining, abs=0.5)


def test_exact_remaining_income():
    assert budget({"salaire": 2000}, {"a": 183.96, "b": 175, "c": 352.38}).to_dict() == {
        "debt_ratio_percent": 35,
        "remaining_income": 1288.66,
    }


def test_aids_larger_than_charges_cost_nothing():
    assert budget({"salaire": 1000}, {"loyer": 100}, {"apl": 300}).debt_ratio_percent == 0


@pytest.mark.parametrize(
    "incomes, charges, message",
    [
        ({}, {}, "more than zero"),
        ({"salaire": 0}, {}, "more than zero"),
        ({"salaire": -5}, {}, "positive"),
        ({"salaire": "abc"}, {}, "amount"),
        ({"salaire": 1000}, {"loyer": True}, "amount"),
        ({"salaire": 1000}, [400], "object"),
    ],
)
def test_bad_budgets(incomes, charges, message):
    with pytest.raises(BudgetError, match=message):
        budget(incomes, charges)
