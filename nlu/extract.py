"""Facts a message states where a model is the wrong tool: the words of a situation (sector by
the kind of employer, contract, status, difficulty), with the numbers of nlu/quantities.py
(company sizes, lengths, the months since a job ended) and the places of nlu/locations.py. Each
is an `Entity` of the same name and canonical value as the model's, with the extractor "rules";
`parse` adds them where the model found none of that name.

Works on folded text (`normalize`): accents and case do not matter, French and English alike.
"""
from __future__ import annotations

import re

from .job_end import job_end
from .locations import location
from .project import normalize
from .quantities import BIG, BIG_COMPANY, SMALL, company_size, contract_length, months, number

__all__ = ["BIG", "BIG_COMPANY", "EXTRACTOR", "SMALL", "entities", "events_strike", "location", "months", "number",
           "words"]

EXTRACTOR = "rules"


# --- words of a situation ------------------------------------------------------------------------

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
    r"|\b(was|is|gets|got|been) (hit|beaten) by (her|his|my|their)\b"
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
    # civil servants by their tenured grade or their employer: "adjoint technique titulaire dans
    # une commune"; a grade alone is no public employer ("adjoint technique dans une entreprise")
    r"|adjointe? (technique|administratif|administrative|d'animation) (principale? )?(titulaire|territoriale?)"
    r"|agente? (territoriale?|communale?|municipale?|de la fonction publique)"
    r"|titulaire (dans|a|de) (une|la|ma|sa) (commune|mairie|collectivite)|(employee?|agente?) (de|pour|a) la commune\b"
    r"|\batsem\b"
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


# --- "frapper" and "hit" said of an event ---------------------------------------------------------

# What strikes a town or a household without being a person: "les inondations qui ont frappé notre
# commune", "frappés par la crise", "our house was hit by the storm". Formal letters say it; read
# as violence, it flagged a flood as domestic violence and showed 17 and 3919 instead of the answer.
# The emergency words are a safety net, which must rather say too much: the event must be the
# subject ("la crise qui a frappé", "frappée par la tempête"), and a message that names anyone who
# could hit (a partner, a relative, "par son…", "by her…") is read as written.
_EVENTS = (
    r"(inondations?|crues?|tempetes?|orages?|cyclones?|ouragans?|seismes?|tremblements? de terre|catastrophes?"
    r"|intemperies|incendies?|secheresses?|crises?|epidemies?|pandemies?|covid|chomage|maladies?|cancers?"
    r"|malheurs?|drames?|deuils?|storms?|floods?|flooding|hurricanes?|fires?|earthquakes?|crisis|pandemics?"
    r"|tornado(es)?|disasters?)\b"
)
_THE = r"(la|le|les|l'|une|un|des|cette|ces|the|a|an)\s*"
_STRIKE = r"(frap+\w*|hit|hits|struck)\b"
EVENT_STRIKES = re.compile(
    rf"\b(?P<before>{_THE}{_EVENTS}\s+(qui|that|which)\s+((nous|vous|l'|les|a|ont|avait|avaient|vient de"
    rf"|viennent de|has|have|had)\s+)*)(?P<verb>{_STRIKE})"
    rf"|\b(?P<passive>{_STRIKE})(?P<after>\s+(de plein fouet\s+)?(par|by)\s+{_THE}{_EVENTS})"
)
# Anyone who could hit: then "frapper" is read as written, whatever else the message says.
_SOMEONE = re.compile(
    r"\b(mari|conjoint|compagnon|compagne|concubin|copain|copine|ex|epoux|epouse|femme|partenaire|pere|mere"
    r"|beau-pere|belle-mere|frere|soeur|fils|fille|oncle|voisin|husband|wife|partner|boyfriend|girlfriend"
    r"|father|mother|stepfather|brother|sister|son|daughter|uncle|neighbour|neighbor|coups|punch\w*)\b"
    r"|\b(par|by) (mon|ma|mes|son|sa|ses|leur|my|his|her|their)\b"
)


def events_strike(folded: str) -> str:
    """Folded text where "frapper" or "hit" said of an event reads "touche" — unless the message
    names anyone who could hit, then it is left as written."""
    if _SOMEONE.search(folded):
        return folded
    return EVENT_STRIKES.sub(
        lambda m: f"{m.group('before')}touche" if m.group("verb") else f"touche{m.group('after')}", folded)


# --- the door ------------------------------------------------------------------------------------


def words(name: str, text: str, folded: str | None = None) -> list[str]:
    """The canonical values whose words the text contains, for one entity (for the difficulties,
    "frapper" said of an event is no violence: `events_strike`)."""
    folded = normalize(text) if folded is None else folded
    if name == "difficulty":
        folded = events_strike(folded)
    return [value for value, pattern in _PATTERNS[name].items() if pattern.search(folded)]


def entities(text: str) -> list[tuple[str, object, str]]:
    """(entity, value, the text it was read from) for every fact these rules find."""
    found: list[tuple[str, object, str]] = []
    folded = normalize(text)
    difficulties = words("difficulty", text, folded)
    ended = job_end(folded)
    if ended is not None and ended.lost and "perte_emploi" not in difficulties:
        difficulties.append("perte_emploi")
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
    situation = next((v for n, v, _ in found if n == "situation"), None)
    if ended is not None and situation in (None, "salarie"):
        # Their own job ended ("licencié il y a trois mois", "ma mission s'est terminée"): a job
        # seeker, whatever contract the story names.
        found = [f for f in found if f[0] != "situation"] + [("situation", "demandeur_emploi", "demandeur_emploi")]
    named = {name for name, _, _ in found}
    if "contract" in named and "situation" not in named:
        found.append(("situation", "salarie", "salarie"))  # "en CDI", "un CDD de 6 mois": an employee

    def plain(value: float) -> int | float:
        return int(value) if float(value).is_integer() else value

    size = company_size(text, folded)
    if size is not None:
        found.append(("company_size", plain(size), str(plain(size))))
    length = contract_length(folded)
    if length is not None:
        found.append(("contract_months", plain(length), str(plain(length))))
        if "contract" not in named:  # a contract with a length is a fixed term, a mission is a temp's
            kind = "interim" if re.search(r"\b(mission|assignment)", folded) else "cdd"
            found.append(("contract", kind, kind))
            if "situation" not in named:
                found.append(("situation", "salarie", "salarie"))
    if ended is not None and ended.months is not None:
        found.append(("months_since_job_end", plain(ended.months), str(plain(ended.months))))
    place = location(text, folded)
    if place is not None:
        zone, postcode = place
        found.append(("postcode", postcode, postcode) if postcode else ("housing_location", zone, zone))
    return found
