"""The service's eligibility rules as dated, sourced data, and the engine that applies them."""
from __future__ import annotations

from .asking import choice_label, fact_name
from .budget import Budget, BudgetError, budget
from .engine import ASKING_ORDER, assess, next_question, question_for
from .facts import FACT_NAMES, Facts, FactsError, parse_facts
from .model import Assessment, Choice, Orientation, Outcome, Question, Reason, Source, Status
from .rules import RulesError, RuleSet, rule_sets, rules_for

__all__ = [
    "ASKING_ORDER", "Assessment", "Budget", "BudgetError", "Choice", "FACT_NAMES", "Facts",
    "FactsError", "Orientation", "Outcome", "Question", "Reason", "RuleSet", "RulesError",
    "Source", "Status", "assess", "budget", "next_question", "parse_facts", "rule_sets",
    "rules_for", "question_for", "choice_label", "fact_name",
]
