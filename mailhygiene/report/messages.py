"""The reports' words in English and French: one template set, this catalogue (issue 9).

Keys are shared by both languages (a test checks it). Labels of stored enum values (statuses,
reasons, evidence levels, flags) fall back to the value itself when a new one appears."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailhygiene.history_detail import split_lifted
from mailhygiene.report.dns_messages import DNS_WORDS, dns_detail_words
from mailhygiene.report.evidence_messages import (
    COUNTS_EN,
    COUNTS_FR,
    SOURCES_EN,
    SOURCES_FR,
    stratum_en,
    stratum_fr,
    word_fr,
)
from mailhygiene.report.fmt import Count, NumberFormat, number_format
from mailhygiene.report.history_messages import (
    HISTORY_WORDS,
    history_detail_words,
    with_lifted,
)
from mailhygiene.types import SUPPRESSION_DETAIL, TYPO_DETAIL

LANGS = ("en", "fr")

_EN: dict[str, str] = {
    # -- common ------------------------------------------------------------------------------
    "tool": "mailhygiene",
    "generated": "Report generated",
    "run": "Run",
    "page_check_title": "Email base hygiene report",
    "page_compare_title": "Provenance report: comparison of two contact bases",
    "privacy_masked": "Addresses are masked (first letter of the mailbox and of the domain, "
                      "and the top-level domain), as personal-data law requires (Moroccan law "
                      "09-08, GDPR).",
    "privacy_shown": "INTERNAL USE ONLY: this report shows full email addresses "
                     "(--show-addresses). Do not circulate it outside the data controller.",
    "contents": "Contents",
    "value": "Value",
    "count": "Count",
    "share": "Share",
    "rows": "Rows",
    "none": "none",
    "yes": "yes",
    "no": "no",
    "not_available": "not available for this run",
    "tool_text_note": "",
    "colon": ": ",
    "and": " and ",
    "or": " or ",
    # -- metadata ----------------------------------------------------------------------------
    "meta_title": "Evidentiary record: inputs, software, parameters",
    "meta_intro": "Everything needed to reproduce this report: the input files with their "
                  "SHA-256 digests, the software versions, every parameter and the command "
                  "line. Running the command on files with the same digests and the same "
                  "versions gives the same figures from a store in the same state: the "
                  "bounce history, opt-out lists and cached DNS and SMTP answers it held are "
                  "inputs too (their counts at the start of the run: store_before_run).",
    "meta_inputs": "Input files",
    "meta_role": "Role",
    "meta_name": "Name",
    "meta_file": "File",
    "meta_sha256": "SHA-256",
    "meta_rows": "Data rows",
    "meta_imported": "Imported (UTC)",
    "meta_run": "Run",
    "meta_run_id": "Run id",
    "meta_command_name": "Command",
    "meta_started": "Started (UTC)",
    "meta_finished": "Finished (UTC)",
    "meta_versions": "Software and library versions",
    "meta_package": "Package",
    "meta_version": "Version",
    "meta_params": "Parameters",
    "meta_param": "Parameter",
    "meta_reproduce": "Command to reproduce",
    "meta_key_id": "HMAC key id (the key itself is never stored in reports)",
    "meta_summary_sha": "SHA-256 of the run summary (JSON) this report was drawn from",
    # -- check -------------------------------------------------------------------------------
    "chk_totals": "Key figures",
    "chk_base": "Base",
    "chk_level": "Checks performed",
    "level_syntax": "syntax only (no network)",
    "level_mx": "syntax and DNS (MX records of each domain)",
    "level_smtp": "syntax, DNS and SMTP mailbox probe (RCPT, no message sent)",
    "chk_rows": "Rows read",
    "chk_unique": "Unique addresses (rows minus duplicates)",
    "chk_duplicates": "Duplicates",
    "chk_unparseable": "Unreadable rows",
    "chk_title_rows": "Title lines above the header",
    "chk_title_rows_note": "kept above it in the cleaned list, not checked",
    "chk_invalid": "Invalid addresses",
    "chk_invalid_rate": "Invalid rate",
    "chk_ci95": "95% confidence interval",
    "chk_rate_note": "Invalid rate = invalid / unique addresses. The 95% interval (Wilson) is "
                     "the range of rates compatible with these counts.",
    "chk_domains": "Distinct domains",
    "chk_rate_without_history": "Invalid rate without bounce history",
    "chk_from_history": "Verdicts resting on bounce history",
    "chk_status_title": "Verdicts by status",
    "chk_status_intro": "Each row of the input receives exactly one status; nothing is "
                        "dropped.",
    "chk_reason_title": "Verdicts by reason",
    "chk_status": "Status",
    "chk_reason": "Reason",
    "chk_evidence_title": "What each verdict rests on",
    "chk_evidence_intro": "The strongest kind of evidence behind each unique address's "
                          "verdict. Without SMTP or history evidence no address is called "
                          "valid; a domain that receives mail is reported as a deliverable "
                          "domain (unknown).",
    "chk_evidence": "Evidence",
    "chk_evidence_meaning": "Meaning",
    "chk_domains_title": "Top domains",
    "chk_domains_intro": "The domains holding the most unique addresses, with the share of "
                         "their addresses found invalid and its 95% interval (Wilson): on a "
                         "domain of a few addresses, the share alone says little.",
    "chk_domains_masked": "A domain that fewer than {n} of the base's unique addresses hold is "
                          "masked (j***.fr), in this table, the typo table and the replies "
                          "above, as addresses are: it often names a person or a family. "
                          "Different domains masked alike are numbered: o***.fr (1), "
                          "o***.fr (2).",
    "chk_domain": "Domain",
    "chk_invalid_share": "Invalid share",
    "chk_share_ci95": "95% interval",
    "chk_dup_title": "Duplicates",
    "chk_dup_text": "{n} {n:row repeats|rows repeat} an address already seen earlier in the "
                    "file ({share} of the rows). Two rows are duplicates when their addresses "
                    "are equal after Unicode normalisation, trimming, lower-casing the domain "
                    "and case-folding the mailbox name; the first occurrence is kept and the "
                    "others point at it (column {column} of the cleaned file).",
    "chk_flags_title": "Role, disposable and typo findings",
    "chk_flags_intro": "Flags describe an address without changing its validity: a role "
                       "mailbox (contact@, info@) reaches a team, a disposable domain "
                       "expires, a likely typo of a common domain never receives mail.",
    "chk_flag": "Flag",
    "chk_flag_meaning": "Meaning",
    "chk_typo_title": "Likely typos and suggested domains",
    "chk_typo_intro": "Domains that look like a slip on a common provider. The suggestion is "
                      "a hint for the owner of the list to verify, never an automatic "
                      "correction.",
    "chk_suggested": "Suggested domain",
    "chk_typed": "Domain as typed",
    "chk_typed_rows": "{domain}: {n} {n:row|rows}",
    "chk_samples": "Examples (masked)",
    "chk_samples_shown": "Examples",
    "chk_phones_title": "Telephone numbers",
    "chk_phone_column": "Column",
    "chk_phone_filled": "Filled",
    "chk_phone_valid": "Valid",
    "chk_phone_invalid": "Invalid",
    "chk_phone_rate": "Invalid rate (95% interval)",
    "chk_use_title": "How to use the cleaned file",
    "chk_output": "Cleaned file",
    "chk_output_rows": "{n:row written|rows written}",
    # after the number of rows written when --only left rows out
    "chk_output_rows_only": "of {total} input {total:row|rows} written: only the rows whose "
                            "status is {statuses} were kept (--only {only})",
    "chk_no_output": "No cleaned file was written in this run (add -o cleaned.csv to the "
                     "check command).",
    "chk_use_1": "The cleaned file keeps every input row and column, in the input order, and "
                 "adds the columns {columns}.",
    "chk_use_1_only": "The cleaned file keeps only the input rows whose status is {statuses} "
                      "(--only), with every input column, in the input order, and adds the "
                      "columns {columns}.",
    "chk_use_2": "Send to valid and unknown addresses (unknown: a deliverable domain, or a "
                 "check that could not finish); remove invalid addresses and duplicates.",
    "chk_send_list": "A send list of the valid and unknown rows (--only valid,unknown) holds "
                     "{n} {n:row|rows}: {valid} valid{valid_reasons} and {unknown} "
                     "unknown{unknown_reasons}.",
    "chk_send_unsettled": "Of the unknown ones, {n} {n:is|are} not {n:a deliverable "
                          "domain|deliverable domains} but {n:a check|checks} that could not "
                          "finish ({reasons}): nothing is known of "
                          "their mailbox or domain, a later check may settle them, and the "
                          "cleaned file's mh_reason column tells them apart.",
    "chk_use_2_syntax": "Only the syntax was checked: an unknown address has a well-formed "
                        "address but its domain was not asked whether it receives mail (run "
                        "the check with --level mx before sending); remove invalid addresses "
                        "and duplicates.",
    "chk_use_3": "Never send to do_not_mail addresses (opt-outs, complaints).",
    "chk_use_4": "Review risky addresses (role, possible typo, disposable, full mailbox) "
                 "before a campaign; catch_all domains accept everything and cannot be "
                 "verified by SMTP.",
    "chk_use_5": "To keep only some statuses:",
    "chk_detail": "Reply or detail (masked)",
    "chk_rows_not_current": "A later check of the same base has replaced this run's row-level "
                            "verdicts: examples of replies and typo suggestions are not shown "
                            "(the counts above are this run's own).",
    "chk_lead": "{rows} {rows:row was|rows were} read: {unique} unique "
                "{unique:address|addresses} and {dups} {dups:duplicate|duplicates}. {invalid} "
                "{invalid:address is|addresses are} invalid, an invalid rate of {rate} (95% "
                "interval {lo} to {hi}).",
    "chk_lead_empty": "{empty} of these rows {empty:has|have} an empty address cell, "
                      "counted above as invalid: of the {addresses} non-empty "
                      "{addresses:address|addresses}, {invalid} {invalid:is|are} invalid, a "
                      "rate of {rate} (95% interval {lo} to {hi}).",
    "chk_empty": "Empty address cells (counted as invalid)",
    "chk_rate_addresses": "Invalid rate of the non-empty addresses",
    "cmp_uncapped": "before the cap",
    "cmp_enfsi_note": "The same words apply, for the other proposition, to a ratio below one "
                      "(1/LR).",

    # -- compare -----------------------------------------------------------------------------
    "cmp_question": "Question examined",
    "cmp_hd": "Proposition Hd: B derives from A's base (copied from it, in whole or in part).",
    "cmp_hi": "Proposition Hi: B was collected independently of A's base.",
    "cmp_conclusion": "Conclusion",
    "cmp_lr": "Likelihood ratio (LR)",
    "cmp_log10_lr": "log10 LR",
    "cmp_lr_cap": "The LR is capped at {cap} (a ratio beyond that would rest on model "
                  "details, not on the data).",
    "cmp_never": "The likelihood ratio says how much more probable the findings are under one "
                 "proposition than under the other. It is not the probability that B was "
                 "copied: that also depends on other evidence, which is for the court to "
                 "weigh.",
    "cmp_bases": "The two bases",
    "cmp_base_a": "Base A",
    "cmp_base_b": "Base B",
    "cmp_rows": "Rows",
    "cmp_unique": "Unique addresses",
    "cmp_checked": "Checked (statuses beyond syntax)",
    "cmp_overlap": "Overlap",
    "cmp_overlap_intro": "Exact counts compare the dedup keys of every address of both bases "
                         "(keyed hashes when the bases are exchanged). The MinHash estimate is "
                         "what the privacy-preserving fingerprints alone say, with its error.",
    "cmp_exact": "Addresses in both (exact)",
    "cmp_b_in_a": "Share of B found in A",
    "cmp_a_in_b": "Share of A found in B",
    "cmp_jaccard": "Jaccard index",
    "cmp_only_a": "A only",
    "cmp_only_b": "B only",
    "cmp_both": "in both",
    "cmp_measure": "Measure",
    "cmp_exact_col": "Exact",
    "cmp_estimate_col": "MinHash estimate",
    "cmp_stderr": "Standard error",
    "cmp_minhash_error": "Error of the estimate against the exact value (Jaccard)",
    "cmp_estimate_missing": "No MinHash estimate (no key, or an empty base).",
    "cmp_by_status": "Overlap by A's status",
    "cmp_by_domain": "Overlap by domain (masked)",
    "cmp_no_domain": "(no valid domain)",
    "cmp_a_unique": "A unique",
    "cmp_in_b": "in B",
    "cmp_b_unique": "B unique",
    "cmp_signals": "Signals",
    "cmp_signals_intro": "Each signal is a finding that independent collection explains "
                         "poorly. The per-signal LRs are shown for reading; how they are "
                         "combined is stated below the table.",
    "cmp_signal": "Signal",
    "cmp_included": "Weighed",
    "cmp_numbers": "Numbers",
    "cmp_stratum": "Stratum",
    "cmp_a_addresses": "A addresses",
    "cmp_rate": "Rate in B",
    "cmp_baseline_addr": "Baseline addresses",
    "cmp_baseline_in_b": "Baseline in B",
    "cmp_independent_rate": "Independent rate",
    "cmp_not_weighed": "not weighed",
    "cmp_rate_unknown": "no baseline: 0 to 100%",
    "sig_stratified_overlap": "Overlap by stratum, against the independent baseline",
    "sig_shared_errors": "Shared errors (invalid addresses of A found in B)",
    "sig_raw_form": "Identical unusual spellings",
    "sig_order": "Preserved insertion order",
    "cmp_combination": "Combination",
    "cmp_copied": "Estimated number of addresses of B coming from A",
    "cmp_copied_ci": "95% interval",
    "cmp_copied_unknown": ("No estimate without a baseline on A's own addresses (a date "
                           "cut-off): how many of the shared addresses were copied cannot be "
                           "measured."),
    "cmp_baseline": "Independent baseline",
    "cmp_baseline_source": "Source",
    "cmp_sensitivity": "Sensitivity",
    "cmp_sensitivity_intro": "The same evaluation under other reasonable assumptions. A "
                             "conclusion that holds across the table does not depend on one "
                             "modelling choice.",
    "cmp_variant": "Variant",
    "cmp_verbal_col": "ENFSI wording",
    "cmp_limits": "Limits and assumptions",
    "cmp_limit_common": "A list bought by both parties from the same seller, or any other "
                        "common source, leaves the same traces as copying from A: the "
                        "evaluation concerns a common origin with A's base, not the act of "
                        "copying.",
    "cmp_limit_public": "A large overlap alone proves nothing: public addresses (companies' "
                        "contact pages) are found by everyone. The weight comes from what "
                        "independent collection cannot explain, measured on data copying "
                        "cannot have affected.",
    "cmp_limit_model": "The figures assume the baseline represents what an independent "
                       "collector finds. The sensitivity table shows how much the "
                       "conclusion moves when this assumption is loosened.",
    "cmp_strengthen": "What would strengthen the evaluation",
    "cmp_methods": "Methods",
    "cmp_method_1": "Addresses are normalised (Unicode NFC, trimmed, domain lower-cased in "
                    "its IDNA form, mailbox case-folded) and compared by their keys; outside "
                    "one store they are compared as HMAC-SHA256 keyed hashes, truncated to "
                    "128 bits, under the expert's secret key (identified here by its key id "
                    "only).",
    "cmp_method_2": "MinHash signatures (datasketch) estimate the Jaccard index without "
                    "exchanging addresses; standard error sqrt(J(1-J)/k) for k permutations, "
                    "Wilson 95% interval.",
    "cmp_method_3": "The likelihood ratio compares a binomial model of each stratum of A "
                    "under both propositions. The rate at which an independent collector "
                    "finds A's addresses comes from data copying cannot reach (A's "
                    "additions after the departure date, or an independent reference "
                    "collection), never from the A-B overlap itself. The strata split A's "
                    "addresses by what its checks and bounce history show (valid-looking: "
                    "none of them shows the address invalid, which does not show it valid) "
                    "and by kind (role, free webmail, business).",
    "cmp_method_4": "The ratio is capped at 10⁶, or at 10³ when no baseline could be measured "
                    "and stated bounds stand in for it, and worded on the ENFSI verbal scale "
                    "(ENFSI Guideline for Evaluative Reporting in Forensic Science, 2015).",
    "cmp_enfsi_scale": "ENFSI verbal scale",
    "cmp_no_evidence": "The evidence evaluation was not run for this comparison (only the "
                       "overlap counts are available).",
    "cmp_tool_text": "Text produced by the evaluation",
    "cmp_tool_text_en": "",
}

_FR: dict[str, str] = {
    "tool": "mailhygiene",
    "generated": "Rapport généré le",
    "run": "Exécution",
    "page_check_title": "Rapport d'hygiène d'une base d'adresses e-mail",
    "page_compare_title": "Rapport de provenance : comparaison de deux bases de contacts",
    "privacy_masked": "Les adresses sont masquées (première lettre de la boîte et du "
                      "domaine, et domaine de premier niveau), comme l'exige la protection "
                      "des données personnelles (loi marocaine 09-08, RGPD).",
    "privacy_shown": "USAGE INTERNE UNIQUEMENT : ce rapport affiche les adresses e-mail "
                     "complètes (--show-addresses). Ne pas le diffuser hors du responsable "
                     "du traitement.",
    "contents": "Sommaire",
    "value": "Valeur",
    "count": "Nombre",
    "share": "Part",
    "rows": "Lignes",
    "none": "aucun",
    "yes": "oui",
    "no": "non",
    "not_available": "non disponible pour cette exécution",
    "tool_text_note": "",
    "colon": "\u00a0: ",
    "and": " et ",
    "or": " ou ",
    "meta_title": "Éléments de preuve : données, logiciels, paramètres",
    "meta_intro": "Tout ce qu'il faut pour reproduire ce rapport : les fichiers d'entrée et "
                  "leur empreinte SHA-256, les versions des logiciels, tous les paramètres "
                  "et la ligne de commande. La même commande, sur des fichiers de même "
                  "empreinte et avec les mêmes versions, donne les mêmes chiffres à partir "
                  "d'un stockage (fichier DuckDB) dans le même état : l'historique des "
                  "rebonds, les listes d'opposition et les réponses DNS et SMTP en cache "
                  "qu'il contenait sont aussi des entrées (leur nombre au début de "
                  "l'exécution : store_before_run).",
    "meta_inputs": "Fichiers d'entrée",
    "meta_role": "Rôle",
    "meta_name": "Nom",
    "meta_file": "Fichier",
    "meta_sha256": "SHA-256",
    "meta_rows": "Lignes de données",
    "meta_imported": "Importé (UTC)",
    "meta_run": "Exécution",
    "meta_run_id": "N° d'exécution",
    "meta_command_name": "Commande",
    "meta_started": "Début (UTC)",
    "meta_finished": "Fin (UTC)",
    "meta_versions": "Versions du logiciel et des bibliothèques",
    "meta_package": "Paquet",
    "meta_version": "Version",
    "meta_params": "Paramètres",
    "meta_param": "Paramètre",
    "meta_reproduce": "Commande pour reproduire",
    "meta_key_id": "Identifiant de la clé HMAC (la clé elle-même ne figure jamais dans un "
                   "rapport)",
    "meta_summary_sha": "SHA-256 du résumé de l'exécution (JSON) dont ce rapport est tiré",
    "chk_totals": "Chiffres clés",
    "chk_base": "Base",
    "chk_level": "Vérifications effectuées",
    "level_syntax": "syntaxe seule (sans réseau)",
    "level_mx": "syntaxe et DNS (enregistrements MX de chaque domaine)",
    "level_smtp": "syntaxe, DNS et sondage SMTP des boîtes (RCPT, aucun message envoyé)",
    "chk_rows": "Lignes lues",
    "chk_unique": "Adresses uniques (lignes moins doublons)",
    "chk_duplicates": "Doublons",
    "chk_unparseable": "Lignes illisibles",
    "chk_title_rows": "Lignes de titre au-dessus de l'en-tête",
    "chk_title_rows_note": ("conservées au-dessus de l'en-tête dans le fichier nettoyé, "
                            "non vérifiées"),
    "chk_invalid": "Adresses invalides",
    "chk_invalid_rate": "Taux d'invalides",
    "chk_ci95": "Intervalle de confiance à 95 %",
    "chk_rate_note": "Taux d'invalides = invalides / adresses uniques. L'intervalle à 95 % "
                     "(Wilson) est la plage des taux compatibles avec ces effectifs.",
    "chk_domains": "Domaines distincts",
    "chk_rate_without_history": "Taux d'invalides sans l'historique des rebonds",
    "chk_from_history": "Verdicts fondés sur l'historique des rebonds",
    "chk_status_title": "Verdicts par statut",
    "chk_status_intro": "Chaque ligne du fichier reçoit exactement un statut ; aucune n'est "
                        "supprimée.",
    "chk_reason_title": "Verdicts par motif",
    "chk_status": "Statut",
    "chk_reason": "Motif",
    "chk_evidence_title": "Sur quoi repose chaque verdict",
    "chk_evidence_intro": "Le type de preuve le plus fort derrière le verdict de chaque "
                          "adresse unique. Sans preuve SMTP ou historique, aucune adresse "
                          "n'est dite valide ; un domaine qui reçoit du courrier est "
                          "indiqué « domaine délivrable » (inconnu).",
    "chk_evidence": "Preuve",
    "chk_evidence_meaning": "Signification",
    "chk_domains_title": "Principaux domaines",
    "chk_domains_intro": "Les domaines qui regroupent le plus d'adresses uniques, avec la "
                         "part de leurs adresses jugées invalides et son intervalle à 95 % "
                         "(Wilson)\u00a0: sur un domaine de quelques adresses, la part seule "
                         "dit peu de chose.",
    "chk_domains_masked": "Un domaine que moins de {n} adresses uniques de la base partagent "
                          "est masqué (j***.fr), dans ce tableau, celui des fautes de frappe "
                          "et les réponses ci-dessus, comme les adresses : il désigne souvent "
                          "une personne ou une famille. Des domaines différents masqués de la "
                          "même façon sont numérotés : o***.fr (1), o***.fr (2).",
    "chk_domain": "Domaine",
    "chk_invalid_share": "Part d'invalides",
    "chk_share_ci95": "Intervalle à 95\u00a0%",
    "chk_dup_title": "Doublons",
    "chk_dup_text": "{n} {n:ligne répète|lignes répètent} une adresse déjà vue plus haut dans "
                    "le fichier ({share} des lignes). Deux lignes sont des doublons quand leurs "
                    "adresses sont égales après normalisation Unicode, suppression des espaces, "
                    "passage du domaine en minuscules et de la boîte en casse repliée ; la "
                    "première occurrence est conservée et les autres la désignent (colonne "
                    "{column} du fichier nettoyé).",
    "chk_flags_title": "Adresses génériques, jetables et fautes de frappe",
    "chk_flags_intro": "Les indicateurs décrivent une adresse sans changer sa validité : une "
                       "boîte générique (contact@, info@) touche une équipe, un domaine "
                       "jetable expire, une faute de frappe sur un domaine courant ne reçoit "
                       "jamais de courrier.",
    "chk_flag": "Indicateur",
    "chk_flag_meaning": "Signification",
    "chk_typo_title": "Fautes de frappe probables et domaines suggérés",
    "chk_typo_intro": "Domaines qui ressemblent à une erreur de saisie d'un fournisseur "
                      "courant. La suggestion est une piste à vérifier par le propriétaire "
                      "de la liste, jamais une correction automatique.",
    "chk_suggested": "Domaine suggéré",
    "chk_typed": "Domaine saisi",
    "chk_typed_rows": "{domain}\u00a0: {n} {n:ligne|lignes}",
    "chk_samples": "Exemples (masqués)",
    "chk_samples_shown": "Exemples",
    "chk_phones_title": "Numéros de téléphone",
    "chk_phone_column": "Colonne",
    "chk_phone_filled": "Renseignés",
    "chk_phone_valid": "Valides",
    "chk_phone_invalid": "Invalides",
    "chk_phone_rate": "Taux d'invalides (intervalle à 95 %)",
    "chk_use_title": "Utiliser le fichier nettoyé",
    "chk_output": "Fichier nettoyé",
    "chk_output_rows": "{n:ligne écrite|lignes écrites}",
    "chk_output_rows_only": "{n:ligne écrite|lignes écrites} sur {total} "
                            "{total:ligne|lignes} d'entrée : seules les lignes "
                            "au statut {statuses} ont été conservées (--only {only})",
    "chk_no_output": "Aucun fichier nettoyé n'a été écrit lors de cette exécution (ajouter "
                     "-o nettoye.csv à la commande check).",
    "chk_use_1": "Le fichier nettoyé conserve toutes les lignes et colonnes d'entrée, dans "
                 "l'ordre, et ajoute les colonnes {columns}.",
    "chk_use_1_only": "Le fichier nettoyé ne conserve que les lignes d'entrée au statut "
                      "{statuses} (--only), avec toutes leurs colonnes, dans l'ordre, et ajoute "
                      "les colonnes {columns}.",
    "chk_use_2": "Envoyer aux adresses valides et inconnues (inconnue : domaine délivrable, "
                 "ou vérification qui n'a pas pu aboutir) ; retirer les invalides et les "
                 "doublons.",
    "chk_send_list": "Une liste d'envoi des lignes valides et inconnues (--only valid,unknown) "
                     "compte {n} {n:ligne|lignes}\u00a0: {valid} {valid:valide|valides}"
                     "{valid_reasons} et {unknown} {unknown:inconnue|inconnues}"
                     "{unknown_reasons}.",
    "chk_send_unsettled": "Parmi les inconnues, {n} {n:n'est pas un domaine délivrable|ne sont "
                          "pas des domaines délivrables} mais {n:une vérification qui n'a pas "
                          "pu aboutir|des vérifications qui n'ont pas pu aboutir} ({reasons})"
                          "\u00a0: on ne sait rien de leur boîte ni de leur domaine, une "
                          "vérification ultérieure peut les trancher, et la colonne mh_reason "
                          "du fichier nettoyé les distingue.",
    "chk_use_2_syntax": "Seule la syntaxe a été vérifiée : une adresse inconnue est bien "
                        "formée, mais on n'a pas demandé si son domaine reçoit du courrier "
                        "(relancer la vérification avec --level mx avant l'envoi) ; retirer "
                        "les invalides et les doublons.",
    "chk_use_3": "Ne jamais écrire aux adresses do_not_mail (désinscriptions, plaintes).",
    "chk_use_4": "Revoir les adresses à risque (génériques, fautes probables, jetables, "
                 "boîtes pleines) avant une campagne ; les domaines catch_all acceptent tout "
                 "et ne peuvent pas être vérifiés par SMTP.",
    "chk_use_5": "Pour ne garder que certains statuts\u00a0:",
    "chk_detail": "Réponse ou détail (masqué)",
    "chk_rows_not_current": "Une vérification ultérieure de la même base a remplacé les "
                            "verdicts ligne par ligne de cette exécution : les exemples de "
                            "réponses et de fautes de frappe ne sont pas affichés (les "
                            "comptes ci-dessus sont bien ceux de cette exécution).",
    "chk_lead": "{rows} {rows:ligne a été lue|lignes ont été lues} : {unique} "
                "{unique:adresse unique|adresses uniques} et {dups} {dups:doublon|doublons}. "
                "{invalid} {invalid:adresse est invalide|adresses sont invalides}, soit un taux "
                "d'invalides de {rate} "
                "(intervalle à 95 % de {lo} à {hi}).",
    "chk_lead_empty": "{empty} de ces lignes {empty:a|ont} une cellule d'adresse vide, "
                      "comptée ci-dessus comme invalide : sur les {addresses} "
                      "{addresses:adresse non vide|adresses non vides}, {invalid} "
                      "{invalid:est invalide|sont invalides}, soit un taux de {rate} "
                      "(intervalle à 95 % de {lo} à {hi}).",
    "chk_empty": "Cellules d'adresse vides (comptées comme invalides)",
    "chk_rate_addresses": "Taux d'invalides des adresses non vides",
    "cmp_uncapped": "avant plafonnement",
    "cmp_enfsi_note": "Les mêmes mots s'appliquent, pour l'autre proposition, à un rapport "
                      "inférieur à un (1/RV).",

    "cmp_question": "Question examinée",
    "cmp_hd": "Proposition Hd : B dérive de la base de A (copiée, en tout ou en partie).",
    "cmp_hi": "Proposition Hi : B a été constituée indépendamment de la base de A.",
    "cmp_conclusion": "Conclusion",
    "cmp_lr": "Rapport de vraisemblance (RV)",
    "cmp_log10_lr": "log10 RV",
    "cmp_lr_cap": "Le RV est plafonné à {cap} (au-delà, il reposerait sur des détails du "
                  "modèle et non sur les données).",
    "cmp_never": "Le rapport de vraisemblance indique combien les constatations sont plus "
                 "probables sous une proposition que sous l'autre. Ce n'est pas la "
                 "probabilité que B ait été copiée : celle-ci dépend aussi d'autres éléments, "
                 "qu'il appartient au tribunal d'apprécier.",
    "cmp_bases": "Les deux bases",
    "cmp_base_a": "Base A",
    "cmp_base_b": "Base B",
    "cmp_rows": "Lignes",
    "cmp_unique": "Adresses uniques",
    "cmp_checked": "Vérifiée (statuts au-delà de la syntaxe)",
    "cmp_overlap": "Recouvrement",
    "cmp_overlap_intro": "Les comptes exacts comparent les clés de toutes les adresses des "
                         "deux bases (des empreintes à clé quand les bases sont échangées). "
                         "L'estimation MinHash est ce que disent les seules empreintes "
                         "préservant la confidentialité, avec son erreur.",
    "cmp_exact": "Adresses communes (exact)",
    "cmp_b_in_a": "Part de B présente dans A",
    "cmp_a_in_b": "Part de A présente dans B",
    "cmp_jaccard": "Indice de Jaccard",
    "cmp_only_a": "A seulement",
    "cmp_only_b": "B seulement",
    "cmp_both": "communes",
    "cmp_measure": "Mesure",
    "cmp_exact_col": "Exact",
    "cmp_estimate_col": "Estimation MinHash",
    "cmp_stderr": "Erreur type",
    "cmp_minhash_error": "Écart de l'estimation à la valeur exacte (Jaccard)",
    "cmp_estimate_missing": "Pas d'estimation MinHash (pas de clé, ou base vide).",
    "cmp_by_status": "Recouvrement selon le statut dans A",
    "cmp_by_domain": "Recouvrement par domaine (masqué)",
    "cmp_no_domain": "(pas de domaine valide)",
    "cmp_a_unique": "Uniques A",
    "cmp_in_b": "dans B",
    "cmp_b_unique": "Uniques B",
    "cmp_signals": "Indices",
    "cmp_signals_intro": "Chaque indice est une constatation qu'une collecte indépendante "
                         "explique mal. Les RV par indice sont donnés pour la lecture ; leur "
                         "combinaison est décrite sous le tableau.",
    "cmp_signal": "Indice",
    "cmp_included": "Pris en compte",
    "cmp_numbers": "Chiffres",
    "cmp_stratum": "Strate",
    "cmp_a_addresses": "Adresses de A",
    "cmp_rate": "Taux dans B",
    "cmp_baseline_addr": "Adresses de référence",
    "cmp_baseline_in_b": "Référence dans B",
    "cmp_independent_rate": "Taux indépendant",
    "cmp_not_weighed": "non pris en compte",
    "cmp_rate_unknown": "sans référence\u00a0: de 0 à 100\u202f%",
    "sig_stratified_overlap": "Recouvrement par strate, comparé à la référence indépendante",
    "sig_shared_errors": "Erreurs partagées (adresses invalides de A présentes dans B)",
    "sig_raw_form": "Graphies inhabituelles identiques",
    "sig_order": "Ordre d'insertion conservé",
    "cmp_combination": "Combinaison",
    "cmp_copied": "Nombre estimé d'adresses de B provenant de A",
    "cmp_copied_ci": "Intervalle à 95 %",
    "cmp_copied_unknown": ("Pas d'estimation sans référence prise sur les adresses de A "
                           "elles-mêmes (une date de départ) : le nombre d'adresses communes "
                           "qui ont été copiées ne peut pas être mesuré."),
    "cmp_baseline": "Référence indépendante",
    "cmp_baseline_source": "Source",
    "cmp_sensitivity": "Sensibilité",
    "cmp_sensitivity_intro": "La même évaluation sous d'autres hypothèses raisonnables. Une "
                             "conclusion stable sur tout le tableau ne dépend pas d'un choix "
                             "de modélisation.",
    "cmp_variant": "Variante",
    "cmp_verbal_col": "Formulation ENFSI",
    "cmp_limits": "Limites et hypothèses",
    "cmp_limit_common": "Une liste achetée par les deux parties au même vendeur, ou toute "
                        "autre source commune, laisse les mêmes traces qu'une copie de A : "
                        "l'évaluation porte sur une origine commune avec la base de A, non "
                        "sur l'acte de copier.",
    "cmp_limit_public": "Un fort recouvrement ne prouve rien à lui seul : les adresses "
                        "publiques (pages contact des entreprises) sont trouvées par tous. Le "
                        "poids vient de ce qu'une collecte indépendante ne peut expliquer, "
                        "mesuré sur des données qu'une copie n'a pas pu atteindre.",
    "cmp_limit_model": "Les chiffres supposent que la référence représente ce que trouve un "
                       "collecteur indépendant. Le tableau de sensibilité montre combien la "
                       "conclusion varie quand on relâche cette hypothèse.",
    "cmp_strengthen": "Ce qui renforcerait l'évaluation",
    "cmp_methods": "Méthodes",
    "cmp_method_1": "Les adresses sont normalisées (Unicode NFC, espaces retirés, domaine en "
                    "minuscules sous sa forme IDNA, boîte en casse repliée) et comparées par "
                    "leurs clés ; hors d'un même stockage, elles sont comparées sous forme "
                    "d'empreintes HMAC-SHA256 tronquées à 128 bits, avec la clé secrète de "
                    "l'expert (désignée ici par son seul identifiant).",
    "cmp_method_2": "Des signatures MinHash (datasketch) estiment l'indice de Jaccard sans "
                    "échanger d'adresses ; erreur type sqrt(J(1-J)/k) pour k permutations, "
                    "intervalle de Wilson à 95 %.",
    "cmp_method_3": "Le rapport de vraisemblance compare un modèle binomial de chaque strate "
                    "de A sous les deux propositions. Le taux auquel un collecteur "
                    "indépendant trouve les adresses de A est mesuré sur des données qu'une "
                    "copie ne peut atteindre (ajouts à A après la date de départ, ou collecte "
                    "de référence indépendante), jamais sur le recouvrement A-B lui-même. Les "
                    "strates répartissent les adresses de A selon ce que ses vérifications et "
                    "son historique de rebonds en montrent (d'apparence valide : aucun ne "
                    "montre l'adresse invalide, ce qui ne la montre pas valide pour autant) et "
                    "selon leur nature (génériques, messagerie gratuite, professionnelles).",
    "cmp_method_4": "Le rapport est plafonné à 10⁶, ou à 10³ quand aucune référence n'a pu "
                    "être mesurée et que des bornes déclarées en tiennent lieu, et exprimé sur "
                    "l'échelle verbale de l'ENFSI (ENFSI Guideline for Evaluative Reporting in "
                    "Forensic Science, 2015).",
    "cmp_enfsi_scale": "Échelle verbale ENFSI",
    "cmp_no_evidence": "L'évaluation des indices n'a pas été faite pour cette comparaison "
                       "(seuls les comptes de recouvrement sont disponibles).",
    "cmp_tool_text": "Texte produit par l'évaluation",
    "cmp_tool_text_en": " (certains passages en anglais)",
}

# Labels of stored values: statuses, reasons, evidence levels, flags.
_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "valid": "valid", "invalid": "invalid", "catch_all": "catch-all", "risky": "risky",
        "do_not_mail": "do not mail", "unknown": "unknown", "duplicate": "duplicate",
        "accepted": "accepted by the mail server", "delivered": "delivered (history)",
        "syntax_empty": "empty cell or N/A", "syntax_missing_at": "no @ sign",
        "syntax_bad_local_part": "malformed mailbox name",
        "syntax_bad_domain": "malformed domain", "syntax_too_long": "too long",
        "syntax_quoted_or_literal": "quoted or IP-literal address",
        "syntax_error": "syntax error", "domain_not_found": "domain does not exist",
        "no_mail_host": "domain receives no mail", "null_mx": "domain refuses mail (null MX)",
        "mailbox_not_found": "mailbox does not exist", "hard_bounced": "hard bounce",
        "accept_all": "server accepts any address", "role_account": "role address",
        "possible_typo": "possible typo", "mailbox_full": "mailbox full",
        "soft_bounced": "soft bounce", "disposable": "disposable domain",
        "suppressed": "opted out", "complained": "complaint",
        "syntax_ok": "syntax correct (not checked further)",
        "smtp_skipped": "deliverable domain", "timeout": "timeout",
        "dns_error": "DNS error", "greylisted": "greylisted", "blocked": "blocked by policy",
        "no_connect": "no connection", "rejected": "rejected",
        "unparseable_row": "unreadable row", "duplicate_of": "duplicate of an earlier row",
        "syntax": "syntax", "dns": "DNS", "smtp": "SMTP", "history": "bounce history",
        "role": "role address", "free": "free provider", "smtputf8": "non-ASCII mailbox",
        "mx_fallback": "no MX, mail to the A record", "catch_all_domain": "catch-all domain",
        "typo": "possible typo", "idn": "internationalised domain",
    },
    "fr": {
        "valid": "valide", "invalid": "invalide", "catch_all": "accepte-tout",
        "risky": "à risque", "do_not_mail": "ne pas écrire", "unknown": "inconnu",
        "duplicate": "doublon",
        "accepted": "acceptée par le serveur", "delivered": "délivrée (historique)",
        "syntax_empty": "cellule vide ou N/A", "syntax_missing_at": "pas de @",
        "syntax_bad_local_part": "nom de boîte mal formé",
        "syntax_bad_domain": "domaine mal formé", "syntax_too_long": "trop longue",
        "syntax_quoted_or_literal": "adresse entre guillemets ou IP",
        "syntax_error": "erreur de syntaxe", "domain_not_found": "domaine inexistant",
        "no_mail_host": "domaine sans serveur de courrier",
        "null_mx": "domaine refusant le courrier (MX nul)",
        "mailbox_not_found": "boîte inexistante", "hard_bounced": "rebond définitif",
        "accept_all": "serveur acceptant toute adresse", "role_account": "adresse générique",
        "possible_typo": "faute de frappe probable", "mailbox_full": "boîte pleine",
        "soft_bounced": "rebond temporaire", "disposable": "domaine jetable",
        "suppressed": "désinscrite", "complained": "plainte",
        "syntax_ok": "syntaxe correcte (non vérifiée au-delà)",
        "smtp_skipped": "domaine délivrable", "timeout": "délai dépassé",
        "dns_error": "erreur DNS", "greylisted": "liste grise",
        "blocked": "bloquée par politique", "no_connect": "connexion impossible",
        "rejected": "rejetée", "unparseable_row": "ligne illisible",
        "duplicate_of": "doublon d'une ligne précédente",
        "syntax": "syntaxe", "dns": "DNS", "smtp": "SMTP",
        "history": "historique des rebonds", "role": "adresse générique",
        "free": "fournisseur gratuit", "smtputf8": "boîte non ASCII",
        "mx_fallback": "sans MX, courrier vers l'enregistrement A",
        "catch_all_domain": "domaine accepte-tout", "typo": "faute de frappe probable",
        "idn": "domaine internationalisé",
    },
}

# What each kind of evidence means, for the "what each verdict rests on" table.
_EVIDENCE_MEANING: dict[str, dict[str, str]] = {
    "en": {
        "syntax": "the address's form only (email-validator rules, RFC 5321/5322)",
        "dns": "the domain's DNS answer: MX records, null MX (RFC 7505), no domain",
        "smtp": "the reply of the domain's mail server to RCPT TO (no message sent)",
        "history": "past delivery results: bounce messages (RFC 3464), ESP and MTA logs",
    },
    "fr": {
        "syntax": "la forme de l'adresse seule (règles d'email-validator, RFC 5321/5322)",
        "dns": "la réponse DNS du domaine : MX, MX nul (RFC 7505), domaine inexistant",
        "smtp": "la réponse du serveur de courrier du domaine à RCPT TO (aucun message "
                "envoyé)",
        "history": "les résultats d'envois passés : messages de rebond (RFC 3464), journaux "
                   "des routeurs et des plateformes d'envoi",
    },
}

_FLAG_MEANING: dict[str, dict[str, str]] = {
    "en": {
        "role": "reaches a function (contact@, info@, sales@) rather than a person",
        "free": "free webmail provider (gmail.com, hotmail.fr...)",
        "disposable": "temporary mailbox provider: the address will stop working",
        "typo": "domain one slip away from a common provider",
        "smtputf8": "non-ASCII mailbox name: needs SMTPUTF8 (RFC 6531) end to end",
        "idn": "internationalised domain name (IDNA)",
        "mx_fallback": "no MX record: mail goes to the domain's address (RFC 5321 §5.1)",
        "catch_all_domain": "the server accepts any mailbox name: SMTP cannot confirm one",
        "suppressed": "on a suppression list",
    },
    "fr": {
        "role": "touche une fonction (contact@, info@, ventes@) plutôt qu'une personne",
        "free": "messagerie gratuite (gmail.com, hotmail.fr...)",
        "disposable": "boîte temporaire : l'adresse cessera de fonctionner",
        "typo": "domaine à une faute de frappe d'un fournisseur courant",
        "smtputf8": "nom de boîte non ASCII : exige SMTPUTF8 (RFC 6531) de bout en bout",
        "idn": "nom de domaine internationalisé (IDNA)",
        "mx_fallback": "pas d'enregistrement MX : le courrier va à l'adresse du domaine "
                       "(RFC 5321 §5.1)",
        "catch_all_domain": "le serveur accepte tout nom de boîte : SMTP ne peut en "
                            "confirmer aucun",
        "suppressed": "sur une liste d'opposition",
    },
}

# ENFSI verbal bands (evidence.stats.ENFSI_BANDS) in French.
_ENFSI_FR = {
    "extremely strong support": "appui extrêmement fort",
    "very strong support": "appui très fort",
    "strong support": "appui fort",
    "moderately strong support": "appui modérément fort",
    "moderate support": "appui modéré",
    "weak support": "appui faible",
    "no support": "aucun appui",
}

_VARIANTS_FR = {
    "main (baseline integrated over its uncertainty)":
        "principale (référence intégrée sur son incertitude)",
    "point baseline, no uncertainty or drift": "référence ponctuelle, sans incertitude ni dérive",
    "upper baseline (Jeffreys 95% x 1.2)": "référence haute (Jeffreys 95 % x 1,2)",
    "without role addresses": "sans les adresses génériques",
    "invalid retention 0": "aucune adresse invalide conservée",
    "invalid retention 1": "toutes les adresses invalides conservées",
    "counts only": "comptes seuls",
    "without the age-trend correction": "sans la correction de la tendance selon l'âge",
    "all earlier additions, age trend extended across the cut-off":
        "tous les ajouts antérieurs, tendance selon l'âge prolongée au-delà de la date de "
        "départ",
    "additions just before the cut-off only": "seulement les ajouts juste avant la date de départ",
    # evaluate.near_curvature_variant(sd) for each of model.CURVATURE_VARIANTS
    "additions just before the cut-off only, curvature sd 0.5 (main: 1)":
        "seulement les ajouts juste avant la date de départ, courbure d'écart-type 0,5 "
        "(principale : 1)",
    "additions just before the cut-off only, curvature sd 2 (main: 1)":
        "seulement les ajouts juste avant la date de départ, courbure d'écart-type 2 "
        "(principale : 1)",
}

MESSAGES: dict[str, dict[str, str]] = {"en": _EN, "fr": _FR}


# The details this tool writes itself, besides DNS and bounce history, as the French report
# words them.
_OWN_DETAILS_FR = ((TYPO_DETAIL, "vouliez-vous dire {}\u202f?"),
                   (SUPPRESSION_DETAIL, "liste d'opposition\u00a0: {}"))


class Catalogue:
    """`t(key)` for sentences, `label(value)` for stored values, in one language."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(lang)
        self.lang = lang
        self.messages = MESSAGES[lang]

    def t(self, key: str, **kw: Any) -> str:
        text = self.messages[key]
        return text.format(**kw) if kw else text

    def count(self, n: int, fmt: NumberFormat) -> Count:
        """`n` for a sentence of this catalogue: `{n}` and `{n:one|other}` (fmt.Count)."""
        return Count(n, fmt.integer(n), self.lang)

    def join(self, items: Sequence[str], word: str = "and") -> str:
        """`a, b and c` (word "and" or "or", in the catalogue's language)."""
        if len(items) < 2:
            return "".join(items)
        return ", ".join(items[:-1]) + self.t(word) + items[-1]

    def label(self, value: object) -> str:
        v = str(value)
        return _LABELS[self.lang].get(v, v)

    def detail(self, text: str, evidence: str) -> str:
        """A verdict's detail: DNS and bounce-history details this tool writes are worded for
        the reader in the report's language (the store keeps its English shorthand); replies
        quoted from servers stay as they were received."""
        fmt = number_format(self.lang)
        history = HISTORY_WORDS[self.lang]
        if evidence == "history":
            return history_detail_words(text, fmt, history) or text
        # Any other verdict's detail may end with a lifted opt-out's trace (history.py).
        head, lifted = split_lifted(text)
        worded = (dns_detail_words(head, fmt, DNS_WORDS[self.lang])
                  if evidence == "dns" and head else None) or self._own_detail(head)
        if lifted is None:
            return worded or text
        return with_lifted(worded, head, lifted, fmt, history)

    def _own_detail(self, head: str) -> str | None:
        """A typo's suggestion or a suppression list's name (enrich, suppress) in French;
        English is how the store keeps them."""
        if self.lang != "fr":
            return None
        for prefix, words in _OWN_DETAILS_FR:
            if head.startswith(prefix) and head[len(prefix):].strip():
                return words.format(head[len(prefix):].strip())
        return None

    def evidence_meaning(self, value: object) -> str:
        return _EVIDENCE_MEANING[self.lang].get(str(value), "")

    def flag_meaning(self, value: object) -> str:
        return _FLAG_MEANING[self.lang].get(str(value), "")

    def enfsi(self, words: str) -> str:
        return _ENFSI_FR.get(words, words) if self.lang == "fr" else words

    def variant(self, name: str) -> str:
        return _VARIANTS_FR.get(name, name) if self.lang == "fr" else name

    def evidence(self, item: Any, fmt: NumberFormat) -> str | None:
        """An evidence sentence (`evidence.wording` item) in this language, strata named in
        words rather than by their JSON codes; None for an item this catalogue does not know
        (the JSON's English text is then kept)."""
        # Here, not at the top: importing the evidence package loads numpy (0.25 s), which
        # the commands that only format counts do not need.
        from mailhygiene.evidence.wording import en_text, recorded_entry

        if isinstance(item, dict) and isinstance(item.get("strata"), list):
            item = item | {"strata": [recorded_entry(v) for v in item["strata"]]}
        if self.lang == "fr":
            return word_fr(item, fmt)
        if isinstance(item, dict) and isinstance(item.get("strata"), list):
            item = item | {"strata": [self._worded_stratum(v) for v in item["strata"]]}
        try:
            return en_text(item) if isinstance(item, dict) else None
        except (KeyError, IndexError, ValueError):
            return None

    def _worded_stratum(self, entry: Any) -> Any:
        """A stratum of a limit's list in words (`ok/freemail` -> `valid-looking, free
        webmail`), its factor kept as a number."""
        if isinstance(entry, dict) and "stratum" in entry:
            return entry | {"stratum": self.stratum(str(entry["stratum"]))}
        return self.stratum(str(entry))

    def baseline_source(self, source: str) -> str:
        return (SOURCES_FR if self.lang == "fr" else SOURCES_EN).get(source, source)

    def count_name(self, key: str) -> str:
        return (COUNTS_FR if self.lang == "fr" else COUNTS_EN).get(key, key)

    def stratum(self, name: str) -> str:
        return stratum_fr(name) if self.lang == "fr" else stratum_en(name)

    def verbal(self, log10_lr: float, words: str) -> str:
        """The ENFSI sentence for the proposition the findings favour (evidence.evaluate's
        wording in English)."""
        if self.lang == "en":
            if words == "no support":
                return ("The findings are about as probable whether B derives from A's base "
                        "or was collected independently: they support neither proposition.")
            if log10_lr > 0:
                return (f"The findings provide {words} for the proposition that B derives "
                        "from A's base rather than independent collection.")
            return (f"The findings provide {words} for the proposition that B was collected "
                    "independently rather than derived from A's base.")
        fr = self.enfsi(words)
        if words == "no support":
            return ("Les constatations sont à peu près aussi probables que B dérive de la base "
                    "de A ou qu'elle ait été constituée indépendamment : elles n'appuient "
                    "aucune des deux propositions.")
        if log10_lr > 0:
            return (f"Les constatations apportent un {fr} à la proposition selon laquelle B "
                    "dérive de la base de A plutôt que d'une collecte indépendante.")
        return (f"Les constatations apportent un {fr} à la proposition selon laquelle B a "
                "été constituée indépendamment plutôt que dérivée de la base de A.")
