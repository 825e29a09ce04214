"""The refusals' sentences in French and Portuguese, by reason key; English is written where each reason is made."""

from __future__ import annotations

from typing import Final

# Who may do something, as the object of "reserved to": articles and contractions included.
WHO: Final[dict[str, dict[str, str]]] = {
    "en": {
        "secretariat": "the secretariat",
        "finance": "finance",
        "coach": "this city's coach",
        "city_lead": "this city's lead",
        "city_member": "this city's team",
        "mayor": "this city's mayor",
        "committee_member": "this city's committee",
        "partner": "this city's partners",
    },
    "fr": {
        "secretariat": "au secrétariat",
        "finance": "aux finances",
        "coach": "au coach de cette ville",
        "city_lead": "au responsable de cette ville",
        "city_member": "à l'équipe de cette ville",
        "mayor": "au maire de cette ville",
        "committee_member": "au comité de cette ville",
        "partner": "aux partenaires de cette ville",
    },
    "pt": {
        "secretariat": "ao secretariado",
        "finance": "às finanças",
        "coach": "ao coach desta cidade",
        "city_lead": "ao responsável desta cidade",
        "city_member": "à equipa desta cidade",
        "mayor": "ao presidente do município",
        "committee_member": "ao comité desta cidade",
        "partner": "aos parceiros desta cidade",
    },
}

# The transitions' field labels, by their English label in states/lifecycle.py.
FIELDS: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "Reason": "Motif",
        "Changes asked for": "Modifications demandées",
        "Amount": "Montant",
        "Advance due under the contract": "Avance due selon la convention",
        "Currency (ISO 4217)": "Devise (code ISO 4217, ex. EUR, XOF)",
        "Objective": "Objectif",
        "Name": "Nom",
        "Country (ISO 3166 code)": "Pays (code ISO 3166, ex. ML, SN)",
        "Time zone (e.g. Africa/Bamako)": "Fuseau horaire (ex. Africa/Bamako)",
        "Languages (e.g. fr;en)": "Langues (ex. fr;en)",
        "Coach (email)": "Coach (adresse e-mail)",
        "Title": "Titre",
        "Objectives and hypotheses": "Objectifs et hypothèses",
        "Budget": "Budget",
        "Duration (months)": "Durée (mois)",
        "Procurement and permits needed": "Marchés publics et autorisations nécessaires",
        "Summary of results and learning": "Synthèse des résultats et des enseignements",
        "Business days to add": "Jours ouvrés à ajouter",
    },
    "pt": {
        "Reason": "Motivo",
        "Changes asked for": "Alterações pedidas",
        "Amount": "Montante",
        "Advance due under the contract": "Adiantamento devido nos termos do acordo",
        "Currency (ISO 4217)": "Moeda (código ISO 4217, p. ex. EUR, MZN)",
        "Objective": "Objetivo",
        "Name": "Nome",
        "Country (ISO 3166 code)": "País (código ISO 3166, p. ex. MZ, CV)",
        "Time zone (e.g. Africa/Bamako)": "Fuso horário (p. ex. Africa/Maputo)",
        "Languages (e.g. fr;en)": "Línguas (p. ex. pt;en)",
        "Coach (email)": "Coach (endereço de e-mail)",
        "Title": "Título",
        "Objectives and hypotheses": "Objetivos e hipóteses",
        "Budget": "Orçamento",
        "Duration (months)": "Duração (meses)",
        "Procurement and permits needed": "Contratação pública e licenças necessárias",
        "Summary of results and learning": "Síntese dos resultados e das aprendizagens",
        "Business days to add": "Dias úteis a acrescentar",
    },
}

SENTENCES: Final[dict[str, dict[str, str]]] = {
    "fr": {},
    "pt": {},
}
