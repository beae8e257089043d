"""Facts a message states where a model is the wrong tool: numbers written in words, lengths in
any unit, company sizes, the months since a job ended, places named by their commune or
département, and the words of a situation (sector by the kind of employer, contract, status,
difficulty). Each is an `Entity` of the same name and canonical value as the model's, with the
extractor "rules"; `parse` adds them where the model found none of that name.

Works on folded text (`normalize`): accents and case do not matter, French and English alike.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .places import commune_zone, fold_place
from .project import normalize

EXTRACTOR = "rules"

# --- numbers -------------------------------------------------------------------------------------

WORD_NUMBERS = {
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10,
    "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "quatrevingt": 80, "quatrevingts": 80,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
# "Une trentaine", "a dozen": approximate quantities, taken at their value.
APPROXIMATE = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
    "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "centaines": 200, "millier": 1000, "milliers": 2000,
    "dozen": 12, "dozens": 24, "hundreds": 200, "thousands": 2000,
}
_MULTIPLIERS = {"cent": 100, "cents": 100, "hundred": 100, "mille": 1000, "thousand": 1000}
# "Un"/"une"/"a" is a number only before a unit ("un an", "une semaine") or alone: "une grosse
# boîte" is not one employee, "une trentaine" is thirty.
_ARTICLES = ("un", "une", "a", "an")
_UNITS = re.compile(r"^(ans?|annees?|mois|semaines?|jours?|years?|months?|weeks?|days?|salaries?|employes?|personnes?"
                    r"|employees?|people|persons?|seul|seule)$")
_DIGITS = re.compile(r"\d{1,3}(?:[ \u202f.,]\d{3})+(?![\d.,])|\d+(?:[.,]\d+)?")
_LESS = re.compile(r"\b(moins de|moins d'|less than|fewer than|under|<)\s*$")
_MORE = re.compile(r"\b(plus de|plus d'|more than|over|au-dela de|>)\s*$")
_HALF = re.compile(r"\s*(ans?|annees?|mois|years?|months?)?\s*(et demie?|and a half)\b")


def _words_number(folded: str) -> tuple[float, int] | None:
    """The first number written in words and where it starts: "deux cents" -> 200,
    "un an et demi" -> 1.5, "une trentaine" -> 30."""
    folded = folded.replace("quatre-vingt", "quatrevingt").replace("quatre vingt", "quatrevingt")
    tokens = [(m.group(), m.start()) for m in re.finditer(r"[a-z]+", folded.replace("-", " "))]
    for i, (word, start) in enumerate(tokens):
        following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        if word in APPROXIMATE:
            return float(APPROXIMATE[word]), start
        if word in _ARTICLES:
            if (
                following in APPROXIMATE
                or following in _MULTIPLIERS
                or not (_UNITS.match(following) or len(tokens) == 1)
            ):
                continue
            value = 1.0
        elif word in WORD_NUMBERS or word in _MULTIPLIERS:
            value, j = 0.0, i
            while j < len(tokens) and (
                tokens[j][0] in WORD_NUMBERS or tokens[j][0] in _MULTIPLIERS or tokens[j][0] == "et"
            ):
                token = tokens[j][0]
                if token in _MULTIPLIERS:
                    value = max(value, 1.0) * _MULTIPLIERS[token]
                elif token != "et":
                    value += WORD_NUMBERS[token]
                j += 1
        else:
            continue
        if re.search(r"\b(et demie?|and a half)\b", " ".join(t for t, _ in tokens[i + 1 : i + 5])):
            value += 0.5
        return value, start
    return None


def number(text: str) -> float | None:
    """The first number in the text, in digits or words; "moins de 10" -> just under 10."""
    folded = normalize(text).replace("\u202f", " ")
    only_digits = re.fullmatch(r"[\d\s]+", folded) is not None
    match = _DIGITS.search(folded.replace(" ", "") if only_digits else folded)
    value: float | None = None
    prefix = ""
    if match:
        digits = match.group()
        value = float(
            re.sub(r"[ \u202f.,]", "", digits)
            if re.fullmatch(r"\d{1,3}(?:[ \u202f.,]\d{3})+", digits)
            else digits.replace(",", ".")
        )
        prefix = "" if only_digits else folded[: match.start()]
        if not only_digits and _HALF.match(folded[match.end() :]):
            value += 0.5
    else:
        found = _words_number(folded)
        if found is not None:
            value, start = found
            prefix = folded[:start]
    if value is None:
        return None
    if _LESS.search(prefix):
        return max(value - 1, value / 2) if value >= 1 else value / 2
    if _MORE.search(prefix):
        return value + 1
    return value


def months(text: str) -> float | None:
    """A length in months, whatever the unit it is given in."""
    value = number(text)
    if value is None:
        return None
    folded = normalize(text)
    if re.search(r"\b(ans?|annees?|years?)\b", folded):
        return value * 12
    if re.search(r"\b(semaines?|sem|weeks?)\b", folded):
        return round(value / 4.33, 1)
    if re.search(r"\b(jours?|days?)\b", folded):
        return round(value / 30, 1)
    return value


# --- words of a situation ------------------------------------------------------------------------

# A company described by its size rather than counted: a large one is above every threshold.
BIG_COMPANY = 250
BIG = re.compile(
    r"\b(grosses?|grandes?) (boites?|entreprises?|societes?|agences?|groupes?|structures?)\b|\bgrand "
    r"groupe\b"
    r"|\bmultinationale\b|\b(big|large|huge) (company|firm|employer|agency|group)\b|\bmultinational\b"
)
SMALL = re.compile(r"\b(pme|tpe|petites? (boites?|entreprises?|societes?|structures?)|small (company|business|firm))\b")

# Words of arrears: "rent" alone is no debt ("I rent a flat").
_ARREARS = (
    r"(retar|impaye|pas (pu )?paye|plus (pu )?payer|peux plus|pas pu|arrive "
    r"plus|arriere|dette|dois|unpaid|behind|arrears"
    r"|late|owe|missed|can'?t pay|cannot pay|couldn'?t pay|not pay|no pay|galere|augmente|relance|paye plus"
    r"|can'?t afford|cannot afford|impossible|pai(e|es|ent) plus|ne (paie|paye)|difficultes? (a|pour|de) "
    r"(payer|regler)"
    r"|du mal a (payer|regler)|struggl|trouble paying)"
)
DIFFICULTY_WORDS = {
    "impayes_loyer": (rf"\b(loyers?|rent|landlord|proprio)\b[^.;!?]{{0,60}}{_ARREARS}"
                      rf"|{_ARREARS}[^.;!?]{{0,40}}\b(loyers?|rent)\b"),
    "impayes_pret": r"\b(pret|credit|emprunt) (immobilier|immo)|\bmensualites?\b|\bmortgage|\becheances? (de|du) "
    r"(pret|credit)"
    r"|\bhome loan\b|\b(credit|loan) (of|on|for) (the |my |our )?(house|home|flat)\b|\b(pret|credit) de "
    r"la maison\b"
    r"|\brembourser (mon|notre|le|nos|mes) (pret|credit|emprunt)|\b(credit|pret|emprunt) (de|pour) "
    r"(la|notre|ma) maison",
    "charges_copro": r"\bcopro|\bsyndic\b|\bcondo\b|co-?ownership|owners'? association|\bservice charges\b",
    "surendettement": r"surendett|(?<!pas de )(?<!aucune )\bdettes\b|(?<!no )\bdebts?\b|over-?indebted|banque de "
    r"france|commission de surendettement"
    r"|dossier de surendettement|\bendette|\b(\d+|plusieurs|trop de) credits\b|in debt\b",
    "separation": r"\bsepar|m'?a mis(e)? (dehors|a la porte)|\bi (finally )?left (him|her|with the (kids|children))|"
    r"\bi "
    r"go with the (kids|children)|\bje l'ai quitte|on s'est quittes|\bon a rompu|walked out|broke "
    r"up|(j'ai|jai) quitte (notre|le) domicile|\bdivorc|\brupture\b|split up|break-?up|\bmon ex\b|\bleft "
    r"me\b|\bm'?a quittee?\b|\bma quitte\b"
    r"|\bparti(e)? avec (une|un) autre|\b(j'ai|jai|g|i) (quitte|left) (mon|ma|my) "
    r"(conjoint|mari|compagnon|compagne|femme"
    r"|copain|copine|partner|husband|wife|boyfriend|girlfriend)|\b(copine|copain|femme|mari|conjoint|compagnon|compagne"
    r"|girlfriend|boyfriend|wife|husband|partner) (?:(?:est|s'est|s est|has|just) "
    r")?(partie?|barree?|moved out|left)",
    "violences": r"\bviolen|\bfrapp|\babus|\b(me|m') (tape|bat|battait|tapait)\b|\bbeats? me\b|\bbeat me\b|\bhits? me\b"
    r"|\bbattue?\b|\bcoups\b",
    "deces": r"\bdeces\b|\bdecede|\bveu(f|ve)\b|passed away|\bdied\b|\bdeath\b|widow|\b(est|etait) "
    r"morte?\b|\b(she|he|wife|husband) dies?\b",
    "maladie": r"\bmalad|arret maladie|\ben "
    r"arret\b|\bsick\b|\bill\b|\billness\b|\bcancer\b|\bhospitalis|\bsclero|\bdiagnosed with"
    r"|\bchimio|\bburn-?out\b|\bdepression\b",
    "invalidite": r"\binvalid|\bhandicap|\bdisab",
    "perte_emploi": r"\blicenci|m'a remercie|made redundant|(pas ete|not been|wasn'?t|n'a pas ete) renouvele|\bwasn'?t "
    r"renewed"
    r"|(boite|entreprise|societe) a (coule|ferme|fait faillite)|went bust|closed down|unemployment "
    r"benefit|perdu (mon|son|leur) (emploi|travail|boulot|job|taf|poste)|\bchomage\b|lost (my|his|her) "
    r"job|laid off"
    r"|unemploy|\bchomeu|\bchomdu\b|recherche d'?\s?emploi|\bsans (emploi|travail)\b|out of work|job "
    r"hunting"
    r"|\bno job\b|\bjob seeker|(pas ete|n'a pas ete) reconduit|\bdemandeu(r|se) d'emploi",
    "sinistre": r"\bincendie\b|pris feu|brule|caught fire|burn(ed|t) down|degats? des "
    r"eaux|\binond|\btempete\b|\bcyclone\b|\bouragan\b|\btornade\b|\bsinistr"
    r"|\bfire\b|water damage|\bflood|\bstorm\b|\bhurricane\b",
    "precarite_energetique": r"\belectricite\b|\bchauffage\b|\benergie\b|\bgaz\b|\bcoupure\b|\belectricity\b"
    r"|\bheating\b"
    r"|\benergy\b|\bgas bill|\bcut off\b|(coupe|couper|plus de|sans) (le |mon "
    r")?courant|courant coupe|\bfioul\b|\bfuel oil\b|\bedf\b|\bpower cut",
    "expulsion": r"\bexpuls|\bevict|quitter les lieux|notice to (leave|quit)|\bhuissier|commissaire de "
    r"justice|\bbailiff"
    r"|mettre (a la porte|dehors)|\bkick (me|us) out|want(s)? (me|us) (to leave|out)|commandement de "
    r"(payer|quitter)",
    "saisie": r"\bsaisie\b|\bsaisir\b|\breposs|\bseiz|\bforeclos",
    "sans_logement": r"sans logement|\ba la rue\b|\bhomeless\b|sans domicile|\bdor(s|t|mons|ment) (dans|ds) "
    r"(ma|sa|notre|la|une) voiture"
    r"|sleep(ing|s)? (in|on) (my|the|a|our) (car|street|sofa|couch)|\bplus de logement\b|\bno "
    r"(house|home)\b"
    r"|\bnowhere to (live|sleep|stay|go)\b|\bemergency (shelter|accommodation|housing)\b|\bnulle part "
    r"ou dormir\b"
    r"|\bdor(s|t|mons|ment) (chez|sur le canape|a l'? ?hotel)|\bsleep(ing)? at (a )?friend|\ble 115\b"
    r"|\bhebergee?s? (a l'? ?hotel|en urgence|d'urgence|provisoirement|chez)|\bdor(s|t|mons|ment) (au "
    r"115|dans la rue|ds la rue)"
    r"|\bcrashing (on|at)|\bno place (for|to) (sleep|live|stay)|\bsleep in (a |my )?tent|\bhotel "
    r"room\b"
    r"|\bto my friend'?s? house|\bplus me garder|\bne peut plus (me|nous) (garder|heberger)|\bhotel "
    r"paye|\b(sleep|stay)(ing)? (at|in) (a |an )?hotel",
}
CONTRACT_WORDS = {
    "interim": r"\binterim|\bagence d'interim|\btemp (work|agency|worker|job)|\btemping\b",
    "cdd": r"\bcdd\b|duree determinee|fixed-term|\bseasonal\b|\bsaisonni",
    "cdi": r"\bcdi\b|duree indeterminee|permanent (contract|position|job|post)\b",
}
# Said of the person themself (first person): a partner's job loss is not the person's status.
SITUATION_WORDS = {
    "demandeur_emploi": r"\b(je suis|j'suis|jsuis|jsui|chuis|suis|j suis) (au chomage|au chomdu|demandeu(r|se) "
    r"d'emploi|sans emploi|chomeu(r|se))"
    r"|\bj'ai ete licencie|\bj'ai perdu mon (emploi|travail|boulot|job)|\bje (touche|percois) le "
    r"chomage"
    r"|\binscrite? (a|au) (france travail|pole emploi)|\bi(')?m unemployed|\bi was laid off|\bi "
    r"lost my job"
    r"|\bi(')?ve been unemployed|\bi am unemployed|\bout of work\b"
    r"|\bi(')?m a job seeker|\b(j'ai|jai|g) perdu mon (taf|emploi|travail|boulot|job|poste)"
    r"|\b(je suis|jsuis|suis) en recherche d'?\s?emploi|\bi(')?m job hunting|\bi(')?ve been out of "
    r"work"
    r"|\bon m'a remercie|\bi (was|got|have been|'ve been) (made redundant|laid off)|\bi(')?m on "
    r"unemployment"
    r"|\b(mon|my) (cdd|contrat|contract)[^.;]{0,40}(n'a pas ete|pas ete|wasn'?t|was not) renouvele?",
    "retraite": r"\b(je suis|suis|jsuis|chuis|j suis) (a la )?retraite|\bi(')?m a (british |french )?retiree|\bi am (a "
    r")?retiree|\bi(')?m retired|\bi am retired?\b|^(madame, monsieur,? )?retraitee?\b",
    "independant": r"\b(je suis|suis|jsuis|chuis) (independant|auto[- ]?entrepreneu|micro[- ]?entrepreneu)|\ba mon "
    r"(propre )?compte\b"
    r"|\bself[- ]?employ|\bfreelance|\bi am (an )?independent\b|\bi run my own\b|\bmy own business\b",
    "autre": r"\b(je suis|jsuis|i'?m|i am|me) (a |an )?(etudiante?|student)\b|\b(pere|mere) au foyer\b|stay-at-home"
    r"|\b(father|mother) at home\b",
    "salarie": r"\b(je suis|suis|chuis|jsuis|jsui|j suis) (salarie|employe|en (cdi|cdd)|interimaire|saisonni|en "
    r"interim|caissiere?|vendeuse?"
    r"|technicien|ouvrier|ouvriere|infirmiere?|aide-soignante?|cariste)|\bje travaille\b|\bje bosse\b"
    r"|\bj'ai un (cdi|cdd)\b|\bjbosse\b|\bi work\b|\bi(')?m employed"
    r"|\bsalariee? (chez|dans|d'une|de|en)\b|^(madame, monsieur,? "
    r")?(agente?|infirmiere?|aide-soignante?|salariee?|employee?"
    r"|technicienne?|ouvriere?|vendeuse?|cuisiniere?|caissiere?) (au|a la|a l'|de|d'|dans|en|chez)\b"
    r"|\bi(')?ve been working\b|\bi(')?m a temp\b|\bi am (a )?temp worker|\bpermanent (position|job|post)\b",
}
SECTOR_WORDS = {
    "public": r"\b(fonction publique|fonctionnaire|mairie|collectivite|hopital public|chu\b|ministere|prefecture"
    r"|education nationale|civil servant|for the state|run by the state|public hospital|town hall|city "
    r"council"
    r"|government|state-run|of the state|state school|conseil "
    r"(departemental|regional|general)|\barmee\b|\barmy\b|local council|(for|at) the council\b|(centre "
    r"hospitalier|hopital|lycee|college|ecole|ehpad|etablissement"
    r"|musee|creche|service|hospital|school) publi(c|que)\b)",
    "agricole": r"\b((?<!credit )agricole|haras|pepiniere|horticole|forestier|cave "
    r"cooperative|exploitation|ferme|viticole|vignoble|domaine viticole|elevage|maraich|cooperative "
    r"agricole"
    r"|vineyard|farm\b|dairy farm|agricultural|verger|orchard|cueillette|vendanges)",
    "prive_non_agricole": r"\b(entreprise|societe|boite|supermarche|hypermarche|magasin|usine|restaurant|resto\b|hotel"
    r"|boulangerie|garage|agence|centre "
    r"d'appels|compagnie|startup|pme|tpe|association|mutuelle|entrepot"
    r"|cabinet|clinique privee|private "
    r"(company|firm|sector)|company|firm|factory|shop|store|warehouse"
    r"|bakery|business|call cent|supermarket|private|start-?up|chez un artisan|agence de "
    r"com|agency\b"
    r"|(au|chez|at|for|dans) (un |une |a |the )?(banque|bank|credit agricole|caisse d'epargne))",
}
OCCUPANCY_WORDS = {
    "sous_locataire": r"\bsous-?locataire|\bsublet|\bsub-?tenant",
    "locataire": r"(?<!sous-)(?<!sous )\blocataire\b|\bje loue\b|\bi rent\b|\btenant\b|\brenting\b",
    "accedant": r"\baccedant|\baccession a la propriete|\bj'achete (ma|mon|une|un) (maison|appartement|logement)",
    "proprietaire": r"\bproprietaire (de|d'|occupant)|\bje suis proprietaire\b|\bhomeowner\b|\bi own (my|a) "
    r"(home|house|flat)",
    "heberge": r"\bheberge(e)? (chez|par|dans)|\bhebergee?\b|\bstaying (with|at) (my|a) "
    r"(friend|parent|mother|father|sister|brother)",
    "sans_logement": r"\bsans logement\b|\bsans domicile\b|\bsans-abri\b|\bhomeless\b|\ba la rue\b",
}
# A home wanted, and no other difficulty told: a housing request only.
_SEARCH_ONLY = re.compile(
    r"\b(je cherche|jcherche|cherche (simplement|juste|seulement)|voudri?ons juste|veux juste|juste (besoin "
    r"d'un|un)|looking for|look only for"
    r"|i (just |only )?need (a|another) (flat|place|room|home)|changer d'? ?appart|plus grand)\b[^.;!?]{0,40}"
    r"\b(logement|appartement|appart|studio|maison|flat|apartment|room|place|home|house|grand)"
)
_PATTERNS: dict[str, dict[str, re.Pattern[str]]] = {
    name: {value: re.compile(pattern) for value, pattern in words.items()}
    for name, words in (
        ("difficulty", DIFFICULTY_WORDS),
        ("contract", CONTRACT_WORDS),
        ("situation", SITUATION_WORDS),
        ("sector", SECTOR_WORDS),
        ("occupancy", OCCUPANCY_WORDS),
    )
}

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


# --- sizes and lengths in context ----------------------------------------------------------------

_QUANTITY = (
    r"(?:(?:moins de|plus de|environ|env|about|around|over|some|pres de|a peu pres|une|un|a|an|d'une|d'un|d "
    r"une|d un)\s+)?"
    r"(?:\d[\d\s,.]*\d|\d|[a-z]+(?:[ -][a-z]+){0,2})"
)
_SIZE = re.compile(
    rf"(?:\b(?:entreprise|boite|societe|pme|agence|structure|company|firm|business|employer|restaurant|hotel|usine"
    rf"|supermarche|magasin|exploitation|domaine|cabinet|association)\b[^.;,]{{0,25}}?\b(?:de|d'|of|with|avec|have|has|employs"
    rf"|emploie|compte)\s*({_QUANTITY})"
    rf"\s*(?:salaries?|employes?|personnes?|employees?|people|staff|workers?|collaborateurs|agents)?"
    rf"|({_QUANTITY})\s*(?:de "
    r"|d')?(?:salaries?|employes?|personnes|pers\b|employees?|people|staff|workers?|collaborateurs|gars"
    rf"|collegues)"
    rf"|\b(?:on est|on etait|nous sommes|we are|there are)\s+({_QUANTITY})\b(?!\s*(?:ans|mois|years))"
    rf")"
)
_LENGTH = re.compile(
    r"\b(?:cdd|contrat|mission|missions|interim|contract|assignment|saison|placement)\b[^.;]{0,30}?\b(?:de|d'|d(?= "
    r")|of|for|sur|is|was)\s*"
    r"(?!depuis)((?:\d+(?:[.,]\d+)?|[a-z]+(?:[ "
    r"-][a-z]+)?)\s*(?:mois|semaines?|sem\b|ans?|annees?|jours?|months?|weeks?|years?|days?)"
    r"(?:\s*et demie?|\s*and a half)?)"
    r"|\b((?:\d+|[a-z]+)[ -](?:month|week|year|day))[ -](?:[a-z-]+ ){0,2}(?:contract|mission|assignment|placement)"
    r"|\b(?:contrat|contract|mission|assignment)\s+(?:cdd\s+|interim\s+)?((?:\d+|[a-z]+)\s*(?:mois|semaines?|ans?|months?|weeks?|years?))\b"
)
_LENGTH_WORDS = (r"(?:\d+(?:[.,]\d+)?|[a-z]+(?:[ -][a-z]+)?)\s*(?:mois|semaines?|ans?|annees?|months?|weeks?|years?)"
                 r"(?:\s*et demie?|\s*and a half)?")
_JOB_ENDED = (
    r"(?:licencie|chomage|chomdu|sans emploi|perdu mon (?:emploi|travail|boulot|job|taf|poste)|fin de (?:mon "
    r")?contrat"
    r"|plus de travail|recherche d'?\s?emploi|contrat [^.;]{0,30}(?:s'est |s est |est "
    r")?(?:fini|termine|arrete)"
    r"|laid off|unemployed|lost my job|out of work|no job|job hunting|m'a remercie|made "
    r"redundant|renouvele|reconduit"
    r"|wasn'?t renewed|not renewed)"
)
_SINCE_JOB = re.compile(
    rf"{_JOB_ENDED}[^.;]{{0,40}}?(?:il y a|depuis|ca fait|since|for|ago)\s*({_LENGTH_WORDS})"
    rf"|(?:il y a|depuis|for)\s*((?:\d+|[a-z]+)\s*(?:mois|semaines?|months?|weeks?))[^.;]{{0,40}}?"
    r"(?:licencie|chomage|sans emploi|perdu mon|laid off|unemployed|lost my job|no job)"
    r"|((?:\d+|[a-z]+)\s*(?:months?|weeks?|years?)) ago[^.;]{0,30}(?:laid off|lost my job|unemployed)"
    r"|(?:laid off|lost my job|job ended|contract ended|made redundant|wasn'?t renewed|not "
    rf"renewed)[^.;]{{0,40}}?\b({_LENGTH_WORDS}) ago\b"
)
# "Il s'est terminé il y a cinq semaines", "it ended six weeks ago": read when the message speaks
# of a job or a contract that ended.
_ENDED_AGO = re.compile(
    rf"\b(?:s'est |s est |est )?(?:termine|fini|arrete)e?s? (?:il y a|depuis) ({_LENGTH_WORDS})"
    rf"|\b(?:ended|finished|stopped) ({_LENGTH_WORDS}) ago\b"
)
_A_JOB_ENDED = re.compile(
    rf"{_JOB_ENDED}|\b(contrat|contract|cdd|mission|job|emploi)\b[^.;]{{0,60}}"
    rf"\b(termine|fini|ended|finished|renouvele|renewed)"
)


def company_size(text: str, folded: str | None = None) -> float | None:
    folded = normalize(text) if folded is None else folded
    folded = re.sub(r"\bd (une?)\b", r"d'\1", folded)  # SMS "d une centaine"
    folded = re.sub(r"\b(\d+)aine\b", r"\1", folded)  # "une 50aine"
    if BIG.search(folded):
        return BIG_COMPANY
    for match in _SIZE.finditer(folded):
        said = next(g for g in match.groups() if g)
        if said.strip() in _ARTICLES:
            continue  # "on est une équipe": no number
        value = number(said)
        if value is not None and value >= 1:
            return value
    if SMALL.search(folded):
        return None  # "une PME": which side of 10? Asked, not guessed.
    return None


def _first(pattern: re.Pattern[str], folded: str, convert: Callable[[str], float | None]) -> float | None:
    match = pattern.search(folded)
    if not match:
        return None
    return convert(next(g for g in match.groups() if g))


# --- the door ------------------------------------------------------------------------------------


def words(name: str, text: str, folded: str | None = None) -> list[str]:
    """The canonical values whose words the text contains, for one entity."""
    folded = normalize(text) if folded is None else folded
    return [value for value, pattern in _PATTERNS[name].items() if pattern.search(folded)]


def entities(text: str) -> list[tuple[str, object, str]]:
    """(entity, value, the text it was read from) for every fact these rules find."""
    found: list[tuple[str, object, str]] = []
    folded = normalize(text)
    difficulties = words("difficulty", text, folded)
    if not difficulties and _SEARCH_ONLY.search(folded):
        difficulties = ["recherche_logement_seule"]
    for value in difficulties:
        found.append(("difficulty", value, value))
    for name in ("contract", "situation", "sector", "occupancy"):
        values = words(name, text, folded)
        if name == "sector" and "public" in values:
            values = ["public"]  # "un hôpital public" is no private shop
        if name == "sector" and "agricole" in values:
            values = ["agricole"]
        if name == "sector" and any(
            n == "situation" and v in ("independant", "retraite", "autre") for n, v, _ in found
        ):
            values = []  # their own business, or no employer: no employer's sector to tell
        if len(values) == 1:
            found.append((name, values[0], values[0]))
    named = {name for name, _, _ in found}
    if "contract" in named and "situation" not in named:
        found.append(("situation", "salarie", "salarie"))  # "en CDI", "un CDD de 6 mois": an employee

    def plain(value: float) -> int | float:
        return int(value) if float(value).is_integer() else value

    size = company_size(text, folded)
    if size is not None:
        found.append(("company_size", plain(size), str(plain(size))))
    length = _first(_LENGTH, folded, months)
    if length is not None:
        found.append(("contract_months", plain(length), str(plain(length))))
        if "contract" not in named:  # a contract with a length is a fixed term, a mission is a temp's
            kind = "interim" if re.search(r"\b(mission|assignment)", folded) else "cdd"
            found.append(("contract", kind, kind))
            if "situation" not in named:
                found.append(("situation", "salarie", "salarie"))
    since = _first(_SINCE_JOB, folded, months)
    if since is None and _A_JOB_ENDED.search(folded):
        since = _first(_ENDED_AGO, folded, months)
    if since is not None:
        found.append(("months_since_job_end", plain(since), str(plain(since))))
    place = location(text, folded)
    if place is not None:
        zone, postcode = place
        found.append(("postcode", postcode, postcode) if postcode else ("housing_location", zone, zone))
    return found
