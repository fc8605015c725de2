"""The evidence section's sentences in French, keyed by the codes of `evidence.wording`.

The evidence JSON carries each sentence as English text and as an item `{"code": ..., **params}`;
the French report words the item with these templates (a test checks that every code has one
and that it uses the English template's parameters). Numbers go through the report's
NumberFormat, dates are written out, lists of file names are joined with "et"."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from mailhygiene.report.fmt import NumberFormat

EVIDENCE_FR: dict[str, str] = {
    # -- limites -----------------------------------------------------------------------------
    "limit.common_source":
        "Une liste achetée par A et par B auprès d'un même tiers, ou toute autre source "
        "commune, produit les mêmes constatations qu'une dérivation de la base de A : le RV "
        "porte sur une origine commune avec la base de A, non sur l'acte de copier.",
    "limit.direction":
        "Sans référence tirée des ajouts de A après une date de départ, les constatations ne "
        "disent pas laquelle des deux bases a été constituée la première, ni laquelle a été "
        "tirée de l'autre : les adresses communes à A et B, mal formées comprises, "
        "s'accordent aussi bien avec une base A tirée de celle de B qu'avec une base B tirée "
        "de celle de A (les rôles de A et B inversés, la même comparaison apporte un appui "
        "de même nature).",
    "limit.dates_as_given":
        "La lecture par date de départ prend les dates de A de la colonne « {column} » telles "
        "qu'elles sont enregistrées ; elle ne les vérifie pas. Des adresses saisies dans A "
        "après coup et datées d'avant la date de départ (celles de B, par exemple) se "
        "liraient comme copiées de A, et le sens de A vers B repose sur ces dates : leur "
        "origine (les enregistrements de la base elle-même, des sauvegardes ou des exports "
        "faits à l'époque) est à établir indépendamment de cette comparaison.",
    "limit.bulk":
        "Les adresses importées en masse dans A ({dates} date(s) d'import, {rows} adresses, "
        "dont {in_b} présentes dans B) ont été écartées du RV : une liste achetée a pu "
        "parvenir à B par son vendeur ; l'estimation du nombre d'adresses copiées leur "
        "applique la part copiée des autres adresses de A.",
    "limit.order_sorted":
        "Ordre d'insertion non pris en compte : tri par adresse ou par domaine constaté "
        "dans {files}.",
    "limit.no_post_cutoff":
        "Aucune adresse n'a été ajoutée à A après le {cutoff} : la date de départ ne fournit "
        "aucune référence.",
    "limit.small_post_cutoff":
        "Seules {baseline} adresse(s) ajoutée(s) à A après le {cutoff} peuvent servir de "
        "référence "
        "(imports en masse exclus), moins de {min_baseline} : la date de départ ne fournit "
        "aucune référence.",
    "limit.reference_too_small":
        "La collecte de référence ne compte que {outside_a} adresse(s) absente(s) de A (sur "
        "{reference_unique}), moins de {min_baseline} : elle ne fournit aucune référence.",
    "limit.generic":
        "{generic} entrées de A sont génériques (test@test.com, toto@toto.fr, a@a.fr, "
        "votre@email.com, email@example.com…) : on les saisit quand un formulaire exige une "
        "adresse, et des bases indépendantes les partagent par habitude ; elles sont écartées "
        "de tous les comptes des deux bases.",
    "limit.undated":
        "{undated} adresses de A n'ont pas de date lisible dans la colonne « {column} » "
        "(dont {in_b} présentes dans B) : ni antérieures ni postérieures à la date de départ, "
        "elles sont écartées du RV, de la référence et de l'estimation du nombre d'adresses "
        "copiées ; l'intervalle de ce nombre ajoute les {in_b} à sa borne haute, chacune "
        "ayant pu être copiée.",
    "limit.age_trend":
        "Parmi les adresses ajoutées à A avant la date de départ, les plus anciennes sont plus "
        "souvent dans B que les récentes ({strata}) : toute collecte trouve plus souvent les "
        "adresses publiées depuis plus longtemps, si bien que les ajouts postérieurs de A "
        "sous-estiment le taux indépendant de ses adresses antérieures. La référence de "
        "chacune de ces strates est multipliée par la tendance mesurée sur les ajouts de A "
        "antérieurs à la date de départ, prolongée jusqu'aux dates de la référence (jusqu'à "
        "{max_factor} fois). Une copie de A tel qu'il était à la date de départ ajoute la "
        "même part à tous les âges et ne peut pas créer cette tendance, mais une copie d'un "
        "état plus ancien de A, ou de ses seules adresses anciennes, le peut : c'est alors le "
        "RV sans la correction, dans le tableau de sensibilité, qui s'applique, et "
        "l'intervalle du nombre d'adresses copiées couvre les deux lectures.",
    "limit.post_gradient":
        "B contient plus souvent la moitié la plus ancienne des adresses ajoutées "
        "à A après la date de départ que la plus récente ({ratio} fois, genres d'adresses "
        "pris en compte ; taux de {older} % et {newer} %). Une copie faite à la date de "
        "départ ne peut pas créer cet écart ; une visibilité encore croissante des adresses "
        "récentes le crée, et la référence sous-estime alors la fréquence à laquelle une "
        "collecte indépendante trouve les adresses anciennes de A. La référence des "
        "adresses de A d'apparence valide est donc relevée au taux que cet écart atteint à "
        "la date de départ ({factor} fois, après avoir rapproché l'écart de zéro d'un "
        "écart-type) ; le RV sans la correction figure dans le tableau de sensibilité. Si la "
        "visibilité a continué de croître plus longtemps que la période couverte par les "
        "ajouts postérieurs de A, le RV peut encore surestimer l'appui à la thèse de la "
        "dérivation : une date de départ bien antérieure à la collecte de B évite la "
        "question.",
    "limit.near_cutoff":
        "Le RV retenu est le plus faible de deux lectures. En ne pesant que les {near} "
        "adresses ajoutées à A juste avant la date de départ (autant que les {post} ajoutées "
        "après) face à la référence relevée selon le gradient observé parmi les ajouts "
        "postérieurs de A, prolongé jusqu'à elles ({factor} fois, incertain d'un facteur "
        "{spread} dans un sens ou dans l'autre), on obtient un log10 RV de {near_lr} ; en "
        "pesant tous les ajouts antérieurs de A avec la tendance selon l'âge mesurée parmi "
        "eux, on obtient {all_lr}. La seconde lecture suppose que cette tendance se poursuit "
        "au-delà de la date de départ, ce que les données ne permettent pas de vérifier : une "
        "visibilité qui croît pendant la première ou les deux premières années d'une adresse, "
        "ou une date de départ proche du début ou de la fin des dates de A, la met en défaut "
        "(des collectes indépendantes générées ainsi y ont atteint un log10 RV de 6). Une "
        "copie d'un état plus ancien de A, faite bien avant la date de départ, n'apparaît pas "
        "dans la première : c'est alors la seconde, dans le tableau de sensibilité, qui "
        "s'applique.",
    "limit.reference_visibility":
        "Les adresses de la référence absentes de A ne sont pas du même genre que celles de "
        "A : B les trouve plus ou moins souvent que celles de A selon la façon dont chaque "
        "collecte a été faite (un B qui a parcouru les mêmes pages que A trouve bien plus "
        "souvent les adresses de A ; les adresses inscrites par formulaire dans A sont moins "
        "souvent trouvées que celles d'une collecte sur le web). Mesurées sur des bases "
        "générées, les deux erreurs se produisent : avec une collecte de référence, seules "
        "les adresses invalides de A sont pesées, le RV est plafonné à 1 000 et aucun nombre "
        "d'adresses copiées n'est donné. Une colonne de date d'ajout et une date de départ "
        "fournissent une référence sur les adresses de A elles-mêmes.",
    "limit.kind_without_baseline":
        "{strata} : moins de {min_baseline} adresses de référence de leur genre. Les "
        "regrouper avec d'autres genres fausserait leur taux indépendant (les adresses "
        "génériques sont bien plus souvent trouvées que les adresses personnelles ou "
        "professionnelles) : elles sont pesées sans référence, et le nombre d'entre elles "
        "qui ont été copiées va de aucune à toutes.",
    # -- ce qui renforcerait l'évaluation ----------------------------------------------------
    "strengthen.date_cutoff":
        "La colonne de date d'ajout de A et la date de départ de l'auteur de B (--date-column "
        "COL --cutoff DATE) : les adresses ajoutées ensuite à A mesurent directement le "
        "recouvrement indépendant.",
    "strengthen.recrawl":
        "Une nouvelle collecte indépendante sur les sources que cite l'auteur de B "
        "(--reference R).",
    "strengthen.a_bounces":
        "L'historique des rebonds de A (--a-bounces PATH), pour identifier davantage "
        "d'adresses invalides.",
    "strengthen.own_baseline":
        "La colonne de date d'ajout de A et la date de départ (--date-column --cutoff) "
        "fourniraient une référence portant sur des adresses de même nature que celles de A.",
    "strengthen.check_a":
        "Une vérification de A au-delà de la syntaxe (mailhygiene check au niveau mx ou "
        "smtp) ou son historique des rebonds, afin d'identifier les adresses invalides de A.",
    # -- référence ---------------------------------------------------------------------------
    "baseline.post_cutoff":
        "Les {a_post} adresses ajoutées à A après le {cutoff} (colonne « {column} ») : une "
        "copie faite à la date de départ ne peut pas les atteindre.",
    "baseline.reference":
        "Le recouvrement de B avec la collecte de référence, hors adresses de A "
        "({reference_unique} adresses dans la référence).",
    "baseline.assumed":
        "Aucune source de référence : bornes supérieures posées pour la fréquence à laquelle "
        "un collecteur indépendant trouve des adresses invalides ({inv_syntax} pour les "
        "adresses mal formées, {inv_domain} pour les domaines inexistants ou sans courrier) ; "
        "les adresses valides ne sont pas prises en compte, ni les boîtes en rebond définitif "
        "(surtout des personnes parties, publiées aussi souvent que des adresses valides).",
    "uncertainty.integrated":
        "Loi a posteriori de Jeffreys x dérive log-normale (écart type {common_sigma} commun, "
        "{stratum_sigma} par strate) ; sensibilité : borne supérieure à 95 % de Jeffreys x "
        "{drift}.",
    "uncertainty.stated_bounds": "Bornes posées par hypothèse.",
    # -- lecture de la colonne de dates de A ------------------------------------------------
    "dates.detected":
        "Dates de la colonne « {column} » lues au format {format}, celui que montrent ses "
        "valeurs : {read} des {addresses} adresses de A ont une date dans ce format, "
        "{unreadable} une date illisible dans ce format et {empty} une cellule vide.",
    "dates.conflicting":
        "Dates de la colonne « {column} » lues au format {format}, l'ordre de la plupart de "
        "celles qui ne se lisent que d'une façon ({day_first} seulement jour en premier, "
        "{month_first} seulement mois en premier) : la colonne mêle les deux ordres, et les "
        "dates lisibles dans les deux sens peuvent être mal lues. {read} des {addresses} "
        "adresses de A ont une date dans ce format, {unreadable} une date illisible dans ce "
        "format et {empty} une cellule vide.",
    "dates.ambiguous":
        "Dates de la colonne « {column} » lues au format {format}, jour en premier selon "
        "l'usage français et marocain : aucune ne se lit d'une seule façon ; lues mois en "
        "premier, {flips} adresses passeraient de l'autre côté de la date de départ. {read} "
        "des {addresses} adresses de A ont une date dans ce format, {unreadable} une date "
        "illisible dans ce format et {empty} une cellule vide.",
    # ... une colonne mêlant dates année en premier (lues comme telles) et année en dernier
    "dates.mixed_detected":
        "Dates de la colonne « {column} » lues chacune dans son format : {year_first} avec "
        "l'année en premier (aaaa-mm-jj, qui ne se lit que d'une façon) et les autres au "
        "format {format}, celui qu'elles montrent. {read} des {addresses} adresses de A ont "
        "une date dans l'un de ces formats, {unreadable} une date illisible dans ces formats "
        "et {empty} une cellule vide.",
    "dates.mixed_conflicting":
        "Dates de la colonne « {column} » lues chacune dans son format : {year_first} avec "
        "l'année en premier (aaaa-mm-jj, qui ne se lit que d'une façon) et les autres au "
        "format {format}, l'ordre de la plupart de celles qui ne se lisent que d'une façon "
        "({day_first} seulement jour en premier, {month_first} seulement mois en premier) : "
        "elles mêlent les deux ordres, et les dates lisibles dans les deux sens peuvent être "
        "mal lues. {read} des {addresses} adresses de A ont une date dans l'un de ces formats, "
        "{unreadable} une date illisible dans ces formats et {empty} une cellule vide.",
    "dates.mixed_ambiguous":
        "Dates de la colonne « {column} » lues chacune dans son format : {year_first} avec "
        "l'année en premier (aaaa-mm-jj, qui ne se lit que d'une façon) et les autres au "
        "format {format}, jour en premier selon l'usage français et marocain : aucune de "
        "celles-ci ne se lit d'une seule façon ; lues mois en premier, {flips} adresses "
        "passeraient de l'autre côté de la date de départ. {read} des {addresses} adresses de "
        "A ont une date dans l'un de ces formats, {unreadable} une date illisible dans ces "
        "formats et {empty} une cellule vide.",
    # -- indices : hypothèses, remarques, combinaison ----------------------------------------
    "assumption.overlap_independent":
        "Sous l'hypothèse d'une collecte indépendante, une adresse de A figure dans B au taux "
        "indépendant de sa strate, mesuré sur la référence : ce taux est intégré sur sa loi a "
        "posteriori de Jeffreys et sur des facteurs de dérive log-normaux entre les adresses "
        "de la référence et les adresses antérieures de A (écart type {common_sigma} commun à "
        "toutes les strates, {stratum_sigma} par strate) ; la variante à la borne supérieure "
        "figure dans le tableau de sensibilité.",
    "assumption.overlap_derived":
        "Sous l'hypothèse d'une dérivation, une fraction f de A (loi a priori log-uniforme, "
        "de 10⁻⁴ à 1) a été prélevée, et chaque groupe (adresses d'apparence publique, "
        "personnelles, invalides) en a conservé une part ρ.",
    "assumption.shared_errors":
        "Un collecteur indépendant ne trouve les adresses invalides de A (mal formées, "
        "domaines inexistants, boîtes inconnues ou en rebond définitif) qu'au taux mesuré sur "
        "la référence ; une boîte qui n'a jamais existé n'est pas publiée sur le web.",
    "assumption.raw_form":
        "Les adresses communes dont la graphie est inhabituelle dans A (casse, espaces, "
        "encodage) ne conservent pas cette graphie dans B plus souvent que les adresses "
        "communes de la référence ; contribution plafonnée à 1 en log10 RV.",
    "assumption.order":
        "Le tau de Kendall des positions des enregistrements communs dans A et dans B est "
        "comparé au tau des enregistrements communs ajoutés à A après la date de départ ; "
        "contribution plafonnée à 1 en log10 RV.",
    "note.raw_no_unusual": "Aucune adresse commune à la graphie inhabituelle.",
    "note.raw_few_baseline":
        "Moins de {min_baseline} paires dans la référence : indice non pris en compte.",
    "note.order_too_few": "Trop peu d'enregistrements communs.",
    "note.order_no_baseline":
        "Pas de référence pour l'ordre (il faut des enregistrements communs ajoutés après la "
        "date de départ) : indice non pris en compte.",
    "note.order_sorted":
        "Indice écarté : tri par adresse ou par domaine constaté dans {files}.",
    "combination.method":
        "Le recouvrement par strate et les erreurs partagées forment un seul modèle binomial "
        "conjoint sur des strates disjointes, avec une seule fraction copiée f (leurs RV par "
        "indice, ci-dessus, sont donnés pour la lecture et ne sont pas multipliés). Les "
        "graphies inhabituelles et l'ordre d'insertion reposent sur l'écriture et la position "
        "des enregistrements communs, non sur leur nombre, et chacun ajoute au plus 1 au "
        "log10 du RV.",
}

# Parameters that are not plain numbers or names: how to write them.
_DATE_PARAMS = frozenset({"cutoff"})
_PERCENT_PARAMS = frozenset({"inv_syntax", "inv_domain", "inv_mailbox"})
# Date formats (evidence.dates labels) as a French reader writes them.
_DATE_FORMATS_FR = {"yyyy-mm-dd": "aaaa-mm-jj", "dd/mm/yyyy": "jj/mm/aaaa",
                    "mm/dd/yyyy": "mm/jj/aaaa"}
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")

SOURCES_FR = {
    "post_cutoff": "ajouts à A après la date de départ",
    "reference": "collecte de référence",
    "assumed": "bornes posées par hypothèse",
}

COUNTS_FR = {
    "unusual_shared": "communes à graphie inhabituelle",
    "same_spelling": "même graphie dans B",
    "baseline_unusual": "graphies inhabituelles (référence)",
    "baseline_same": "même graphie (référence)",
    "shared": "enregistrements communs",
    "tau": "tau de Kendall",
    "baseline_shared": "enregistrements communs (référence)",
    "baseline_tau": "tau de Kendall (référence)",
}

# A stratum's name is class/kind[/neighbours][/bulk] (evidence.data.load_counts).
SOURCES_EN = {
    "post_cutoff": "A's additions after the cut-off",
    "reference": "reference collection",
    "assumed": "stated bounds",
}

COUNTS_EN = {
    "unusual_shared": "shared, spelled unusually in A",
    "same_spelling": "same spelling in B",
    "baseline_unusual": "unusual spellings (baseline)",
    "baseline_same": "same spelling (baseline)",
    "shared": "shared records",
    "tau": "Kendall tau",
    "baseline_shared": "shared records (baseline)",
    "baseline_tau": "Kendall tau (baseline)",
}

# "ok" is what no check or bounce found invalid: not "valid" (only SMTP or bounce history say
# that), and "not found invalid" read as a double negative to a court; the methods define it.
_STRATUM_PARTS_EN = {
    "ok": "valid-looking", "inv_syntax": "malformed", "inv_domain": "invalid domain",
    "inv_mailbox": "invalid mailbox", "role": "role", "freemail": "free webmail",
    "business": "business", "seen": "other addresses of the domain in B",
    "alone": "no other address of the domain in B", "bulk": "bulk import",
}

_STRATUM_PARTS_FR = {
    "ok": "d'apparence valide", "inv_syntax": "mal formées", "inv_domain": "domaine invalide",
    "inv_mailbox": "boîte invalide", "role": "génériques",
    "freemail": "messagerie gratuite", "business": "professionnelles",
    "seen": "d'autres adresses du domaine dans B",
    "alone": "aucune autre adresse du domaine dans B", "bulk": "import en masse",
}


def french_date(iso: str) -> str:
    """`2023-01-01` -> `1er janvier 2023`; anything else as given."""
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{'1er' if d.day == 1 else d.day} {_MONTHS[d.month - 1]} {d.year}"


def _decimals(value: float) -> int:
    """Decimals to show a stated constant as written (0.05 -> 2, 1.2 -> 1, 5.0 -> 0)."""
    text = f"{abs(value):.6f}".rstrip("0")
    return len(text.partition(".")[2])


def _value(name: str, v: Any, fmt: NumberFormat) -> str:
    if name in _DATE_PARAMS:
        return french_date(str(v))
    if name == "format" and isinstance(v, str):
        return _DATE_FORMATS_FR.get(v, v)
    if isinstance(v, bool):
        return "oui" if v else "non"
    if name in _PERCENT_PARAMS and isinstance(v, int | float):
        return fmt.percent_of(float(v), _decimals(100.0 * v))
    if isinstance(v, int):
        return fmt.integer(v)
    if isinstance(v, float):
        return fmt.number(v, _decimals(v))
    if isinstance(v, list) and name == "strata":
        return " ; ".join(_stratum_item_fr(x, fmt) for x in v)
    if isinstance(v, list):
        return " et ".join(map(str, v))
    return "\u2014" if v is None else str(v)


def word_fr(it: Any, fmt: NumberFormat) -> str | None:
    """The French sentence of an evidence item; None when the item is not one this catalogue
    knows (older or newer JSON), so the caller keeps the English text."""
    if not isinstance(it, dict) or str(it.get("code")) not in EVIDENCE_FR:
        return None
    try:
        values = {str(k): _value(str(k), v, fmt) for k, v in it.items() if k != "code"}
        return EVIDENCE_FR[str(it["code"])].format(**values)
    except (KeyError, IndexError, ValueError):
        return None


_STRATUM_CODE = re.compile(r"[a-z_]+(?:/[a-z_]+)*")


def _stratum_item_fr(entry: Any, fmt: NumberFormat) -> str:
    """A stratum of a limit's list (its code, or `evidence.wording.stratum_factor`'s code and
    factor) in French words and numbers: « d'apparence valide, messagerie gratuite
    (×1,24) ». Anything else is a ValueError: the sentence is then kept in English, and
    labelled so, rather than worded with a piece of English inside."""
    if isinstance(entry, dict):
        factor = fmt.number(float(entry["factor"]), 2)
        return f"{stratum_fr(str(entry['stratum']))} (\u00d7{factor})"
    if not isinstance(entry, str) or not _STRATUM_CODE.fullmatch(entry):
        raise ValueError(f"not a stratum: {entry!r}")
    return stratum_fr(entry)


def stratum_fr(name: str) -> str:
    return ", ".join(_STRATUM_PARTS_FR.get(p, p) for p in name.split("/"))


def stratum_en(name: str) -> str:
    return ", ".join(_STRATUM_PARTS_EN.get(p, p) for p in name.split("/"))
