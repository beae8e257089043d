"""Postcode -> département -> region (metropolitan France and the DROM)."""
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
REGION_OF = {dep: region for region, deps in REGIONS.items() for dep in deps}


def departement_of(postcode: str) -> str | None:
    """The département of a French postcode, None outside metropolitan France and the DROM."""
    if len(postcode) != 5 or not postcode.isdigit():
        return None
    if postcode.startswith("97"):
        dep = postcode[:3]
    elif postcode.startswith("20"):
        dep = "2A" if postcode < "20200" else "2B"  # Corse-du-Sud 200xx-201xx, Haute-Corse 202xx-206xx
    else:
        dep = postcode[:2]
    return dep if dep in REGION_OF else None


def region_of(postcode: str) -> str | None:
    dep = departement_of(postcode)
    return REGION_OF.get(dep) if dep else None
