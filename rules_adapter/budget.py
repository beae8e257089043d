"""Debt ratio and remaining income, computed the way the 2021 presentation's worked examples do."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any


class BudgetError(ValueError):
    """A budget that cannot be computed; the message names the field."""


@dataclass(frozen=True)
class Budget:
    monthly_resources: Decimal
    housing_cost: Decimal  # rent, charges and housing-loan instalments, net of housing aids
    debt_ratio_percent: int
    remaining_income: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "debt_ratio_percent": self.debt_ratio_percent,
            "remaining_income": float(self.remaining_income),
        }


def _amounts(name: str, items: Mapping[str, Any] | None) -> Decimal:
    if items is None:
        return Decimal(0)
    if not isinstance(items, Mapping):
        raise BudgetError(f"{name}: expected an object of named monthly amounts")
    total = Decimal(0)
    for label, value in items.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
            raise BudgetError(f"{name}.{label}: expected an amount")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise BudgetError(f"{name}.{label}: expected an amount") from None
        if not amount.is_finite() or amount < 0:
            raise BudgetError(f"{name}.{label}: must be a positive amount")
        total += amount
    return total


def budget(incomes: Mapping[str, Any], charges: Mapping[str, Any] | None = None,
           aids: Mapping[str, Any] | None = None) -> Budget:
    """Monthly housing cost (charges and housing-loan instalments, less housing aids) over
    monthly resources, as the whole percent the seed prints (52.5 % is shown "52 %", 35.6 %
    "35 %": truncated), and what remains to live on ("reste à vivre") once it is paid."""
    resources = _amounts("incomes", incomes)
    if resources <= 0:
        raise BudgetError("incomes: monthly resources must be more than zero")
    cost = max(_amounts("charges", charges) - _amounts("aids", aids), Decimal(0))
    ratio = int((cost * 100 / resources).to_integral_value(rounding=ROUND_FLOOR))
    return Budget(resources, cost, ratio, resources - cost)
