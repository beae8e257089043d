"""Places people name instead of a postcode: a commune (from the official list, see build.py),
a département number, a region or an overseas territory -> metropolitan France, a DROM, or
elsewhere (the overseas collectivities included)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..project import normalize

COMMUNES = Path(__file__).parent / "communes.tsv"
ZONES = {"metro": "metropole", "drom": "drom", "com": "etranger"}


def fold_place(name: str, already_folded: bool = False) -> str:
    """A place name as it is matched: folded, hyphens and apostrophes as spaces, "st" as "saint"."""
    folded = (name if already_folded else normalize(name)).replace("-", " ").replace("'", " ")
    folded = re.sub(r"\bste\b", "sainte", re.sub(r"\bst\b", "saint", folded))
    return re.sub(r"\s+", " ", folded).strip()


@lru_cache(maxsize=1)
def communes() -> dict[str, tuple[str, str]]:
    """Folded name -> (zone, département) of the communes in communes.tsv."""
    out = {}
    for line in COMMUNES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, zone, departement, _ = line.split("\t")
        out[name] = (zone, departement)
    return out


def commune_zone(name: str) -> str | None:
    """metropole, drom or etranger for a commune's name; None when unknown or shared by
    communes of different zones (Saint-Denis: Seine-Saint-Denis and La Réunion)."""
    found = communes().get(fold_place(name))
    if found is None or found[0] == "mixed":
        return None
    return ZONES.get(found[0])
