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

# What a deadline is about when it is not a stage: alarms, reports and the coach's review of one (a periodic
# report's number is added).
SUBJECTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "selection_to_start": "start of activities",
        "silent": "news from the city",
        "report": "periodic report no. {n}",
        "final": "final report",
        "report_review": "review of periodic report no. {n}",
        "report_review_final": "review of the final report",
    },
    "fr": {
        "selection_to_start": "démarrage des activités",
        "silent": "nouvelles de la ville",
        "report": "rapport périodique n° {n}",
        "final": "rapport final",
        "report_review": "relecture du rapport périodique n° {n}",
        "report_review_final": "relecture du rapport final",
    },
    "pt": {
        "selection_to_start": "início das atividades",
        "silent": "notícias da cidade",
        "report": "relatório periódico n.º {n}",
        "final": "relatório final",
        "report_review": "revisão do relatório periódico n.º {n}",
        "report_review_final": "revisão do relatório final",
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
    """A deadline's subject as its reader says it: a stage, an alarm, a numbered report, or a report's review."""
    if subject in STAGES[language]:
        return STAGES[language][subject]
    if subject.startswith("periodic_report_"):
        return SUBJECTS[language]["report"].format(n=subject.removeprefix("periodic_report_"))
    if subject.startswith("report_review_") and subject not in SUBJECTS[language]:
        return SUBJECTS[language]["report_review"].format(n=subject.removeprefix("report_review_"))
    return SUBJECTS[language].get(subject, subject.replace("_", " "))


# The acts' names in French and Portuguese; English is the lifecycle's own label (states/lifecycle.py).
ACTS: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "confirm": "Confirmer l'intérêt et la disponibilité",
        "decline": "Décliner l'invitation",
        "send_contract": "Envoyer la convention de subvention",
        "sign_contract": "Enregistrer la convention signée par les deux parties",
        "record_first_payment": "Enregistrer le premier virement",
        "tick_objective": "Cocher un objectif d'intégration",
        "finish_onboarding": "Clore l'intégration",
        "change_details": "Modifier le nom, le pays, le fuseau horaire ou les langues de la ville",
        "assign_coach": "Désigner le coach d'expérimentation",
        "submit_plan": "Soumettre le plan d'expérimentation",
        "request_plan_changes": "Demander des modifications du plan",
        "send_to_committee": "Décider que la ville est prête pour son Comité d'investissement",
        "approve_grant": "Enregistrer l'accord du Comité et la subvention",
        "revise_plan": "Enregistrer la demande de plan révisé du Comité",
        "reject_plan": "Enregistrer le refus du Comité",
        "submit_report": "Soumettre le rapport attendu",
        "request_report_changes": "Demander des modifications du rapport",
        "approve_report": "Approuver le rapport soumis",
        "pay_tranche": "Enregistrer le paiement de la tranche suivante",
        "begin_final_report": "Clore l'expérimentation et demander le rapport final",
        "complete": "Clore le parcours de la ville",
        "extend_deadline": "Prolonger l'échéance de l'étape (les processus locaux prennent du temps)",
        "acknowledge": "Accuser réception du rappel",
        "pause": "Suspendre (échéances gelées)",
        "resume": "Reprendre là où la ville s'était arrêtée",
        "withdraw": "Retirer la ville du programme",
    },
    "pt": {
        "confirm": "Confirmar interesse e disponibilidade",
        "decline": "Recusar o convite",
        "send_contract": "Enviar o acordo de subvenção",
        "sign_contract": "Registar o acordo assinado pelas duas partes",
        "record_first_payment": "Registar a primeira transferência",
        "tick_objective": "Marcar um objetivo de integração",
        "finish_onboarding": "Encerrar a integração",
        "change_details": "Alterar o nome, o país, o fuso horário ou as línguas da cidade",
        "assign_coach": "Designar o coach de experimentação",
        "submit_plan": "Submeter o plano de experimentação",
        "request_plan_changes": "Pedir alterações ao plano",
        "send_to_committee": "Decidir que a cidade está pronta para o seu comité de investimento",
        "approve_grant": "Registar a aprovação do comité e a subvenção",
        "revise_plan": "Registar o pedido de plano revisto do comité",
        "reject_plan": "Registar a recusa do comité",
        "submit_report": "Submeter o relatório devido",
        "request_report_changes": "Pedir alterações ao relatório",
        "approve_report": "Aprovar o relatório submetido",
        "pay_tranche": "Registar o pagamento da tranche seguinte",
        "begin_final_report": "Encerrar a experimentação e pedir o relatório final",
        "complete": "Encerrar o percurso da cidade",
        "extend_deadline": "Prorrogar o prazo da etapa (os processos locais levam tempo)",
        "acknowledge": "Confirmar a receção do lembrete",
        "pause": "Pausar (prazos congelados)",
        "resume": "Retomar onde a cidade tinha ficado",
        "withdraw": "Retirar a cidade do programa",
    },
}


def act_name(trigger: str, english: str, language: str) -> str:
    """An act's name in the page's language (the lifecycle's English label otherwise)."""
    return ACTS.get(language, {}).get(trigger, english)


# Whose move a stage waits on (its waiting-on tag, states/), as the subject of the move below.
PARTIES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "city": "the city team",
        "coach": "the coach",
        "secretariat": "the secretariat",
        "finance": "finance",
        "committee": "the city's investment committee",
    },
    "fr": {
        "city": "l'équipe de la ville",
        "coach": "le coach",
        "secretariat": "le secrétariat",
        "finance": "le service financier",
        "committee": "le Comité d'investissement de la ville",
    },
    "pt": {
        "city": "a equipa da cidade",
        "coach": "o coach",
        "secretariat": "o secretariado",
        "finance": "o serviço financeiro",
        "committee": "o comité de investimento da cidade",
    },
}

# What each stage expects of the party it waits on: what a reminder says is to be done on the city's page.
MOVES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "selected": "confirms the city's interest and availability, or declines the invitation",
        "confirmed": "sends the grant agreement",
        "contracting": "returns the signed agreement, with the bank details and proof of a separate account",
        "awaiting_first_payment": "makes the first transfer and records it",
        "onboarding": "completes the onboarding objectives",
        "experiment_planning": "submits the experiment plan",
        "plan_review": "reviews the plan, then sends it to the committee or asks for changes",
        "investment_committee": "meets and decides on the plan; the secretariat records the decision",
        "experimenting": "submits the report that is due",
        "final_reporting": "submits the final report",
    },
    "fr": {
        "selected": "confirme l'intérêt et la disponibilité de la ville, ou décline l'invitation",
        "confirmed": "envoie la convention de subvention",
        "contracting": "renvoie la convention signée, avec les coordonnées bancaires et la preuve d'un compte séparé",
        "awaiting_first_payment": "effectue le premier virement et l'enregistre",
        "onboarding": "atteint les objectifs d'intégration",
        "experiment_planning": "soumet le plan d'expérimentation",
        "plan_review": "examine le plan, puis le transmet au Comité ou demande des modifications",
        "investment_committee": "se réunit et statue sur le plan ; le secrétariat enregistre la décision",
        "experimenting": "soumet le rapport attendu",
        "final_reporting": "soumet le rapport final",
    },
    "pt": {
        "selected": "confirma o interesse e a disponibilidade da cidade, ou recusa o convite",
        "confirmed": "envia o acordo de subvenção",
        "contracting": "devolve o acordo assinado, com os dados bancários e a prova de uma conta separada",
        "awaiting_first_payment": "faz a primeira transferência e regista-a",
        "onboarding": "cumpre os objetivos de integração",
        "experiment_planning": "submete o plano de experimentação",
        "plan_review": "revê o plano e depois envia-o ao comité ou pede alterações",
        "investment_committee": "reúne-se e decide sobre o plano; o secretariado regista a decisão",
        "experimenting": "submete o relatório devido",
        "final_reporting": "submete o relatório final",
    },
}


def next_move(stage: str, party: str | None, language: str) -> str | None:
    """What a stage expects, in one clause naming whose move it is ("the coach reviews the plan..."), if anything."""
    move = MOVES[language].get(stage)
    if move is None or party is None:
        return None
    return f"{PARTIES[language][party]} {move}"


# A tranche as people say it: its number, its share and when it falls due (the programme file's `when`).
TRANCHES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "tranche": "Tranche {n}",
        "described": "Tranche {n} ({share}%), {when}",
        "contract_signed": "once the contract is signed",
        "award": "on award",
        "first_report_approved": "once the first report is approved",
        "final_report_approved": "once the final report is approved",
    },
    "fr": {
        "tranche": "Tranche {n}",
        "described": "Tranche {n} ({share} %), {when}",
        "contract_signed": "à la signature de la convention",
        "award": "à l'attribution",
        "first_report_approved": "après approbation du premier rapport",
        "final_report_approved": "après approbation du rapport final",
    },
    "pt": {
        "tranche": "Tranche {n}",
        "described": "Tranche {n} ({share} %), {when}",
        "contract_signed": "na assinatura do acordo",
        "award": "na atribuição",
        "first_report_approved": "após aprovação do primeiro relatório",
        "final_report_approved": "após aprovação do relatório final",
    },
}


def tranche_name(number: int, share: int, condition: str, language: str) -> str:
    """A tranche in words, "Tranche 1 (50 %), à l'attribution"; one whose condition has no words is "Tranche 1"."""
    words = TRANCHES[language]
    when = words.get(condition)
    return words["described"].format(n=number, share=share, when=when) if when else words["tranche"].format(n=number)


def tranche_names(number: int, share: int, condition: str) -> dict[str, str]:
    """The tranche in each language: the outbox row keeps them, the template picks its reader's."""
    return {language: tranche_name(number, share, condition, language) for language in LANGUAGES}
