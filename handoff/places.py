"""Postcode -> département -> region: metropolitan France, the DROM and the overseas collectivities (COM)."""
from __future__ import annotations

REGIONS: dict[str, tuple[str, ...]] = {
    "Auvergne-Rhône-Alpes": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "Bourgogne-Franche-Comté": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "Bretagne": ("22", "29", "35", "56"),
    "Centre-Val de Loire": ("18", "28", "36", "37", "41", "45"),
    "Corse": ("2A", "2B"),
    "Grand Est": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "Hauts-de-France": ("02", "59", "60", "62", "80"),
    "Île-de-France": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "Normandie": ("14", "27", "50", "61", "76"),
    "Nouvelle-Aquitaine": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "Occitanie": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "Pays de la Loire": ("44", "49", "53", "72", "85"),
    "Provence-Alpes-Côte d'Azur": ("04", "05", "06", "13", "83", "84"),
    "Guadeloupe": ("971",),
    "Martinique": ("972",),
    "Guyane": ("973",),
    "La Réunion": ("974",),
    "Mayotte": ("976",),
}
# The overseas collectivities (COM): their own territories, not a DROM region. Saint-Barthélemy
# and Saint-Martin have a postcode of Guadeloupe's 971 range (97133, 97150) but their own code.
COLLECTIVITIES: dict[str, tuple[str, ...]] = {
    "Saint-Pierre-et-Miquelon": ("975",),
    "Saint-Barthélemy": ("977",),
    "Saint-Martin": ("978",),
    "Wallis-et-Futuna": ("986",),
    "Polynésie française": ("987",),
    "Nouvelle-Calédonie": ("988",),
}
ALL_REGIONS: tuple[str, ...] = tuple(REGIONS) + tuple(COLLECTIVITIES)
REGION_OF = {dep: region for mapping in (REGIONS, COLLECTIVITIES) for region, deps in mapping.items() for dep in deps}
_COLLECTIVITY_CODES = frozenset(dep for deps in COLLECTIVITIES.values() for dep in deps)
_OWN_POSTCODES = {"97133": "977", "97150": "978"}  # Saint-Barthélemy, Saint-Martin


def departement_of(postcode: str) -> str | None:
    """The département (or COM) code of a French postcode; None elsewhere (Monaco's 980xx included)."""
    if len(postcode) != 5 or not postcode.isdigit():
        return None
    if postcode in _OWN_POSTCODES:
        return _OWN_POSTCODES[postcode]
    if postcode.startswith(("97", "98")):
        dep = postcode[:3]
        if dep in _OWN_POSTCODES.values():
            return None  # 977xx and 978xx are not postcodes
    elif postcode.startswith("20"):
        dep = "2A" if postcode < "20200" else "2B"  # Corse-du-Sud 200xx-201xx, Haute-Corse 202xx-206xx
    else:
        dep = postcode[:2]
    return dep if dep in REGION_OF else None


def region_of(postcode: str) -> str | None:
    dep = departement_of(postcode)
    return REGION_OF.get(dep) if dep else None


def is_overseas_collectivity(postcode: str) -> bool:
    """True for a postcode of an overseas collectivity (COM), not of a DROM."""
    return departement_of(postcode) in _COLLECTIVITY_CODES
