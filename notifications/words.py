"""The names messages use for stages, deadlines and people, in every language a message is written in."""

from __future__ import annotations

from typing import Final

LANGUAGES: Final = ("en", "fr", "pt")

STAGES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "selected": "Selected",
        "confirmed": "Confirmed",
        "declined": "Declined",
        "contracting": "Contracting",
        "awaiting_first_payment": "Awaiting first payment",
        "onboarding": "Onboarding",
        "experiment_planning": "Experiment planning",
        "plan_review": "Plan review",
        "investment_committee": "Investment committee",
        "experimenting": "Experimenting",
        "final_reporting": "Final reporting",
        "completed": "Completed",
        "rejected": "Not funded",
        "paused": "Paused",
        "withdrawn": "Withdrawn",
    },
    "fr": {
        "selected": "Sélectionnée",
        "confirmed": "Participation confirmée",
        "declined": "Participation déclinée",
        "contracting": "Contractualisation",
        "awaiting_first_payment": "En attente du premier versement",
        "onboarding": "Intégration",
        "experiment_planning": "Planification de l'expérimentation",
        "plan_review": "Revue du plan",
        "investment_committee": "Comité d'investissement",
        "experimenting": "Expérimentation",
        "final_reporting": "Rapport final",
        "completed": "Programme terminé",
        "rejected": "Non financée",
        "paused": "En pause",
        "withdrawn": "Retirée du programme",
    },
    "pt": {
        "selected": "Selecionada",
        "confirmed": "Participação confirmada",
        "declined": "Participação recusada",
        "contracting": "Contratação",
        "awaiting_first_payment": "A aguardar o primeiro pagamento",
        "onboarding": "Integração",
        "experiment_planning": "Planeamento da experimentação",
        "plan_review": "Revisão do plano",
        "investment_committee": "Comité de investimento",
        "experimenting": "Experimentação",
        "final_reporting": "Relatório final",
        "completed": "Programa concluído",
        "rejected": "Não financiada",
        "paused": "Em pausa",
        "withdrawn": "Retirada do programa",
    },
}

# What a deadline is about when it is not a stage: alarms and reports (a report's number is added).
SUBJECTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "selection_to_start": "start of activities",
        "silent": "news from the city",
        "report": "periodic report no. {n}",
        "final": "final report",
    },
    "fr": {
        "selection_to_start": "démarrage des activités",
        "silent": "nouvelles de la ville",
        "report": "rapport périodique n° {n}",
        "final": "rapport final",
    },
    "pt": {
        "selection_to_start": "início das atividades",
        "silent": "notícias da cidade",
        "report": "relatório periódico n.º {n}",
        "final": "relatório final",
    },
}

ROLES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "city_lead": "city lead",
        "city_member": "city team",
        "coach": "coach",
        "secretariat": "secretariat",
        "finance": "finance",
        "mayor": "mayor",
        "committee_member": "committee member",
        "partner": "partner",
    },
    "fr": {
        "city_lead": "responsable de la ville",
        "city_member": "équipe de la ville",
        "coach": "coach",
        "secretariat": "secrétariat",
        "finance": "finances",
        "mayor": "maire",
        "committee_member": "membre du comité",
        "partner": "partenaire",
    },
    "pt": {
        "city_lead": "responsável da cidade",
        "city_member": "equipa da cidade",
        "coach": "coach",
        "secretariat": "secretariado",
        "finance": "finanças",
        "mayor": "presidente do município",
        "committee_member": "membro do comité",
        "partner": "parceiro",
    },
}


def subject_name(subject: str, language: str) -> str:
    """A deadline's subject as its reader says it: a stage, an alarm, or a numbered report."""
    if subject in STAGES[language]:
        return STAGES[language][subject]
    if subject.startswith("periodic_report_"):
        return SUBJECTS[language]["report"].format(n=subject.removeprefix("periodic_report_"))
    return SUBJECTS[language].get(subject, subject.replace("_", " "))
