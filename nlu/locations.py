"""Where a home is, as a message names it: a postcode, a département by number or name, a
commune, an overseas department or collectivity, a country abroad. Works on folded text."""
from __future__ import annotations

import re

from .places import commune_zone, fold_place
from .project import normalize

# --- places --------------------------------------------------------------------------------------

# Overseas collectivities, not DROM (checked before the DROM names: "Saint-Martin, Guadeloupe").
COLLECTIVITY_NAMES = (
    "saint-martin",
    "saint martin",
    "st martin",
    "st-martin",
    "saint-barthelemy",
    "saint barthelemy",
    "st barth",
    "saint-barth",
    "saint barth",
    "saint-pierre-et-miquelon",
    "saint pierre et miquelon",
    "wallis",
    "futuna",
    "polynesie",
    "tahiti",
    "nouvelle-caledonie",
    "nouvelle caledonie",
    "noumea",
)
DROM_NAMES = (
    "guadeloupe",
    "martinique",
    "guyane",
    "reunion",
    "mayotte",
    "dom",
    "drom",
    "outre-mer",
    "outre mer",
    "overseas",
    "french guiana",
)
METROPOLE_NAMES = (
    "metropole",
    "metropolitaine",
    "hexagone",
    "mainland",
    "corse",
    "corsica",
    "bretagne",
    "brittany",
    "normandie",
    "normandy",
    "provence",
    "alsace",
    "ile-de-france",
    "ile de france",
    "region parisienne",
    "paris",
    "bourgogne",
    "burgundy",
    "occitanie",
    "auvergne",
    "savoie",
    "picardie",
    "lorraine",
    "champagne",
    "aquitaine",
    "bordelais",
    "loire",
    "vendee",
    "cote d'azur",
    "french riviera",
    "pays basque",
)
ABROAD_NAMES = (
    "etranger",
    "abroad",
    "belgique",
    "suisse",
    "espagne",
    "allemagne",
    "italie",
    "luxembourg",
    "monaco",
    "royaume-uni",
    "maroc",
    "algerie",
    "tunisie",
    "canada",
    "brussels",
    "bruxelles",
    "belgium",
    "switzerland",
    "spain",
    "germany",
    "italy",
    "england",
    "united kingdom",
    "morocco",
    "algeria",
    "tunisia",
    "portugal",
    "liege",
    "geneve",
    "geneva",
    "lausanne",
)
_POSTCODE = re.compile(r"(?<![\d+])(\d{5})(?![\d])")
_DEPARTEMENT = re.compile(
    r"\b(?:dans le|dans l'|ds le|du|le|au|departement|dept\.?|department|in "
    r"the|the)\s*(\d{2,3}|2a|2b)\b"
)
# A lookahead: the words after one preposition may hold the next one ("de fleurs a mon compte a Arles").
_AT_PLACE = re.compile(
    r"\b(?:(a|au|aux|du|en|sur|pres de|vers|in|at|near|de|habite|vis)\s+|pres "
    r"d')(?=((?:[a-z][a-z']*[ -]?){1,5}))"
)
# Communes whose name is also a common word: taken only when written with a capital.
COMMON_WORDS = frozenset(
    {
        "charge",
        "cours",
        "rue",
        "bonne",
        "nice",
        "sens",
        "vire",
        "gap",
        "eu",
        "ville",
        "vue",
        "salles",
        "mont",
        "sees",
        "bu",
        "orange",
    }
)
# Where the person lives, when they also name where they work ("je travaille à Luxembourg mais
# j'habite à Thionville"): the words after these are read first.
_HOME = re.compile(
    r"\b(j'habite|jhabite|j habite|nous habitons|on habite|je vis|jvis|on vit|nous vivons|je reside|i "
    r"live|we live"
    r"|living|i rent (a|an|my) (flat|house|apartment|room)|my (flat|house|home) is)\b"
)
# Départements named with their article ("dans le Nord", "en Dordogne", "in the Dordogne"): their
# names are often common words, so only after a preposition.
DEPARTEMENT_NAMES = (
    "ain",
    "aisne",
    "allier",
    "alpes de haute provence",
    "hautes alpes",
    "alpes maritimes",
    "ardeche",
    "ardennes",
    "ariege",
    "aube",
    "aude",
    "aveyron",
    "bouches du rhone",
    "calvados",
    "cantal",
    "charente",
    "charente maritime",
    "cher",
    "correze",
    "cote d'or",
    "cotes d'armor",
    "creuse",
    "dordogne",
    "doubs",
    "drome",
    "eure",
    "eure et loir",
    "finistere",
    "gard",
    "haute garonne",
    "gers",
    "gironde",
    "herault",
    "ille et vilaine",
    "indre",
    "indre et loire",
    "isere",
    "jura",
    "landes",
    "loir et cher",
    "loire",
    "haute loire",
    "loire atlantique",
    "loiret",
    "lot",
    "lot et garonne",
    "lozere",
    "maine et loire",
    "manche",
    "marne",
    "haute marne",
    "mayenne",
    "meurthe et moselle",
    "meuse",
    "morbihan",
    "moselle",
    "nievre",
    "nord",
    "oise",
    "orne",
    "pas de calais",
    "puy de dome",
    "pyrenees atlantiques",
    "hautes pyrenees",
    "pyrenees orientales",
    "bas rhin",
    "haut rhin",
    "rhone",
    "haute saone",
    "saone et loire",
    "sarthe",
    "savoie",
    "haute savoie",
    "seine maritime",
    "seine et marne",
    "yvelines",
    "deux sevres",
    "somme",
    "tarn",
    "tarn et garonne",
    "var",
    "vaucluse",
    "vendee",
    "vienne",
    "haute vienne",
    "vosges",
    "yonne",
    "territoire de belfort",
    "essonne",
    "hauts de seine",
    "seine saint denis",
    "val de marne",
    "val d'oise",
    "haute corse",
    "corse du sud",
)
_DEPARTEMENT_NAMED = re.compile(
    r"\b(?:dans (?:le|la|les|l')|en|in the|in|du|de la|des)\s*("
    + "|".join(re.escape(n).replace(r"\ ", "[ -]") for n in sorted(DEPARTEMENT_NAMES, key=len, reverse=True))
    + r")\b"
)
_DROM = re.compile(r"\b(" + "|".join(re.escape(n) for n in DROM_NAMES) + r")\b")
_ABROAD = re.compile(r"\b(" + "|".join(re.escape(n) for n in ABROAD_NAMES) + r")\b")
_METROPOLE = re.compile(r"\b(" + "|".join(re.escape(n) for n in METROPOLE_NAMES) + r")\b")
_PHONE = re.compile(r"(?:\+33|0)\s*[1-9](?:[\s.-]*\d{2}){4}")


def location(text: str, folded: str | None = None) -> tuple[str, str | None] | None:
    """(housing_location, postcode or None) said in the text, or None: a postcode first, then
    the place named after "j'habite", "I live"…, then any place named."""
    folded = normalize(text) if folded is None else folded
    without_phones = _PHONE.sub(" ", folded)
    postcode = _POSTCODE.search(without_phones)
    if postcode:
        return "", postcode.group(1)
    home = _HOME.search(folded)
    if home:
        near = re.split(r"[.;!?]", folded[home.end() :], maxsplit=1)[0][:80]
        found = _zone(near, text)
        if found is not None:
            return found, None
    zone = _zone(folded, text)
    return (zone, None) if zone is not None else None


def _zone(folded: str, original: str = "") -> str | None:
    """metropole, drom or etranger for the places the (folded) text names, right after a
    preposition ("à Lyon", "près d'Argentan", "au François")."""
    if any(name in folded for name in COLLECTIVITY_NAMES):
        return "etranger"
    if _DROM.search(folded):
        return "drom"
    departement = _DEPARTEMENT.search(folded)
    if departement:
        code = departement.group(1)
        if code.startswith("97") and len(code) == 3:
            return "drom" if code in ("971", "972", "973", "974", "976") else "etranger"
        if len(code) == 2 and (code in ("2a", "2b") or 1 <= int(code) <= 95 and code != "20"):
            return "metropole"
    if _ABROAD.search(folded):
        return "etranger"
    for match in _AT_PLACE.finditer(folded):
        words = fold_place(match.group(2), already_folded=True).split()
        if match.group(1) in ("au", "du"):  # "au François", "du Lamentin": Le François, Le Lamentin
            words = ["le", *words]
        elif match.group(1) == "aux":
            words = ["les", *words]
        for size in range(len(words), 0, -1):  # the longest name first: "saint denis" before "saint"
            name = " ".join(words[:size])
            if name in COMMON_WORDS and not (original and re.search(rf"\b{name.capitalize()}\b", original)):
                continue  # "en cours", "à la rue", "have a nice day": a commune only when written as one
            zone = commune_zone(name)
            if zone is not None:
                return zone
    if _METROPOLE.search(folded) or _DEPARTEMENT_NAMED.search(folded):
        return "metropole"
    return None
