"""A job that ended, read from a story: whether the person's own job ended, whether they lost it
(rather than left it), and how long ago, in months. Works on folded text (`normalize`).

People say it in many ways: "licencié il y a un an et demi", "ça fait six semaines que ma
mission s'est terminée", "au chômage depuis 8 mois", "je me suis fait virer la semaine
dernière", "g fini mon interim y a 8 semaines", "got made redundant 2 yrs ago", "out of work
since three months". The reading is in three steps, sentence by sentence:

1. a cue that the person's own job ended (`_LOST`, `_LEFT`), not a partner's or a relative's
   ("mon mari a été licencié": `_SOMEONE_ELSE` before the cue in the same sentence);
2. every length in that sentence anchored in the past ("il y a", "depuis", "ça fait", "ago",
   "for", "since", "... que je"; "la semaine dernière", "last month"), except a length of
   service ("je travaillais depuis 10 ans") and a length that is not a time since ("2 mois de
   loyer", "un CDD de 6 mois" are not anchored);
3. the anchored length nearest to the cue.

Not read: dates and month names ("depuis septembre", "since March"), which need today's date;
the check asks for the number of months instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .quantities import months
from .sentences import SENTENCE_BREAK

# The person's own job ended against their will.
_LOST = (
    r"licencie|licenciement|vire\b|viree\b|(fait|faire) virer|(m'a|m'ont|a ete|ai ete|fait) remercie"
    r"|renvoye|mis a la porte|pas (ete )?(garde|renouvele|reconduit)"
    r"|plus (ete )?renouvele|non renouvele|(perdu|perdre) (mon|son|ma) (emploi|travail|boulot|job|taf|poste|place)"
    r"|chomage(?! partiel| technique)|chomdu|chomeu(r|se)|sans (emploi|travail|boulot|job)"
    r"|plus de (travail|boulot|taf|job|emploi)"
    r"|plus d'emploi|demandeu(r|se) d'emploi|recherche d'?\s?emploi|cherche (du|un) (travail|boulot|emploi|job)"
    r"|france travail|pole emploi"
    r"|fin (de|du) (mon |ma )?(contrat|cdd|mission|interim|saison|emploi)"
    r"|(contrat|cdd|mission|interim|saison|emploi|job)\b[^.;!?]{0,60}?"
    r"\b(s'est |s est |est |a ete |ont |a )?(?<!se )(?<!va )(fini|finie|termine|terminee|arrete|arretee|pris fin"
    r"|acheve|achevee|stoppe)\b|sans renouvellement"
    r"|(g|j'ai|jai) fini (mon|ma) (cdd|contrat|mission|interim|saison)"
    r"|a fait faillite|a ferme|fermeture|liquidation|a coule|depot de bilan|plan social"
    r"|laid off|lay-?off|fired|sacked|let (me )?go|finish(ed)? my (work|job|contract|mission|assignment)"
    r"|made redundant|redundan|unemployed|jobless|out of work|no job"
    r"|lost (my|his|her) (job|work|position)|job seeker|job hunting|looking for (a )?(job|work)"
    r"|(contract|assignment|mission|job|season|placement)\b[^.;!?]{0,50}?\b(ended|finished|stopped|was over|"
    r"is over|came to an end|ran out)|not renewed|wasn'?t renewed|shut down|closed down|went (bankrupt|bust|under)"
)
# The person left it: no job loss to count among the difficulties, but a job that ended all the same.
_LEFT = r"demission|demissionne|rupture conventionnelle|quitte mon (emploi|travail|poste|job|boulot)|resigned|quit my"
_CUE = re.compile(rf"\b(?:(?P<lost>{_LOST})|(?P<left>{_LEFT}))")
# Someone else's job: a relative or a partner named just before the cue, with no "je" between.
_SOMEONE_ELSE = re.compile(
    r"\b(mon|ma|son|sa|notre|my|his|her|our) (mari|femme|epouse|epoux|conjointe?|compagne|compagnon|copain|copine"
    r"|concubine?|fils|fille|frere|soeur|mere|pere|parents?|beau-frere|belle-soeur|ami|amie|colleague|collegue"
    r"|husband|wife|partner|boyfriend|girlfriend|son|daughter|brother|sister|mother|father|mum|mom|dad|friend)\b"
    r"|\b(il|elle|he|she) (a|est|was|has|got|lost)\b"
)
_ME = re.compile(r"\b(je|j'|jai|g|me|m'|moi|i|i'm|i've|im|ive|my)\b")
# Still or again in work: the job that ended is not the person's situation any more.
_IN_WORK_AGAIN = re.compile(
    r"\b(j'ai|jai|g) (re)?trouve (un|du|une) (travail|boulot|emploi|job|poste|mission|cdd|cdi)"
    r"|\bje viens de (re)?trouver|\bi (have |'ve )?found (a |another )?(new )?(job|work)\b|\bi('ve| have) got a new job"
)

_NUMBER = r"(?:\d+(?:[.,]\d+)?|[a-z]+(?:[ -][a-z]+){0,1}?)"
_UNIT = r"(?:mois|semaines?|sem|ans?|annees?|jours?|j\b|months?|weeks?|wks?|years?|yrs?|days?)"
_LENGTH = (
    rf"(?P<length>(?:a couple of |a few |quelques )?{_NUMBER}\s*(?:de |of )?{_UNIT}"
    rf"(?:\s*et demie?|\s*and a half|\s*et \d+ mois|\s*and \d+ months?)?|half a year|a year and a half)"
)
_FILLER = (r"(?:(?:maintenant|deja|bientot|presque|environ|env|pres de|a peu pres|plus de|plus d'|pratiquement"
           r"|now|already|almost|nearly|about|around|over|more than|roughly|just)\s+)*")
_ANCHOR = (r"\b(?:il y a|il ya|y a|ya|depuis|ca fait|ca va faire|cela fait|voila|since|for|it'?s been|its been"
           r"|been)\s+")
_ANCHORED = (
    re.compile(rf"{_ANCHOR}{_FILLER}{_LENGTH}"),  # "il y a trois mois", "depuis bientôt 4 mois", "for a year"
    re.compile(rf"{_LENGTH}\s+(?:ago|que\b|qu')"),  # "two months ago", "3 semaines que je suis au chômage"
)
_RELATIVE = re.compile(
    r"\b(?P<week>la semaine (derniere|passee)|last week|the week before)\b"
    r"|\b(?P<month>le mois (dernier|passe)|last month)\b"
    r"|\b(?P<year>l'an (dernier|passe)|l'annee (derniere|passee)|last year)\b"
    r"|\b(?P<days>hier|avant-hier|yesterday|cette semaine|this week|ces derniers jours)\b"
)
_RELATIVE_MONTHS = {"week": 0.25, "month": 1.0, "year": 12.0, "days": 0.0}
# A length of service, not a time since: "je travaillais depuis 10 ans", "15 ans de boîte".
_SERVICE = re.compile(
    r"\b(travaill\w*|bosse\w*|bossais|employee?|embauchee?|worked|working|employed|anciennete|en poste)\b[^.;!?]{0,15}$"
)
_COUPLE = re.compile(r"^(a couple of|a few|quelques)\s+")
_SAID_IN_WORDS = {"half a year": 6.0, "a year and a half": 18.0}


@dataclass(frozen=True)
class JobEnd:
    lost: bool  # against their will (a dismissal, a contract not renewed), not a resignation
    months: float | None  # how long ago, when said


def _length_months(said: str) -> float | None:
    said = said.strip()
    if said in _SAID_IN_WORDS:
        return _SAID_IN_WORDS[said]
    couple = _COUPLE.match(said)
    if couple:
        rest = said[couple.end():]
        value = months(f"{2 if couple.group(1) == 'a couple of' else 3} {rest}")
    else:
        value = months(said)
    if value is None:
        return None
    extra = re.search(r"(?:et|and) (\d+) (?:mois|months?)$", said)
    if extra and re.search(r"\b(ans?|annees?|years?|yrs?)\b", said):
        value += float(extra.group(1))
    return value


def _times(sentence: str) -> list[tuple[int, float]]:
    """(position, months) of each past length the sentence anchors."""
    found = []
    for pattern in _ANCHORED:
        for match in pattern.finditer(sentence):
            if _SERVICE.search(sentence[: match.start()]):
                continue
            value = _length_months(match.group("length"))
            if value is not None:
                found.append((match.start(), value))
    for match in _RELATIVE.finditer(sentence):
        kind = next(k for k, v in match.groupdict().items() if v)
        found.append((match.start(), _RELATIVE_MONTHS[kind]))
    return found


def _someone_else(before: str) -> bool:
    """Whether the words just before a cue make it a relative's or a partner's job."""
    mentions = list(_SOMEONE_ELSE.finditer(before))
    return bool(mentions) and not _ME.search(before[mentions[-1].end():])


def job_end(folded: str) -> JobEnd | None:
    """The person's own job that ended, if the message says so."""
    if _IN_WORK_AGAIN.search(folded):
        return None
    sentences = [s for s in SENTENCE_BREAK.split(folded) if s]
    ended: JobEnd | None = None
    for n, sentence in enumerate(sentences):
        for cue in _CUE.finditer(sentence):
            if _someone_else(sentence[max(0, cue.start() - 50): cue.start()]):
                continue
            lost = cue.group("lost") is not None or bool(ended and ended.lost)
            times = _times(sentence)
            if not times and n + 1 < len(sentences) and re.match(_ANCHOR, sentences[n + 1]):
                times = _times(sentences[n + 1])[:1]  # "J'ai été licencié. Ça fait trois mois que..."
            near = min(times, key=lambda t: abs(t[0] - cue.start()), default=None)
            if near is not None:
                return JobEnd(lost, round(near[1], 1))
            ended = JobEnd(lost, None)
    return ended
