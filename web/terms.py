# ruff: noqa: E501  (sentences of a translation table read better whole, as in web/words.py)
"""Words for what the pages show that the engine keeps as codes: reminder audiences and states, tranches, reports,
refused links, forms; merged into web.words.UI so a page has one words table."""

from __future__ import annotations

from typing import Final

from web.reply_words import REPLY

TERMS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "optional": "(optional)",
        "more_acts": "Other acts",
        "by_import": "imported from a file",
        "back_to_city": "Back to the city's page",
        "label_value": "{label}: {value}",
        "choose": "Choose",
        "ticked": "Ticked: {what}.",
        "objectives_to_tick": "Objectives reached",
        "no_objective_ticked": "Tick at least one objective.",
        "days_before": "{n} working days before",
        "days_after": "{n} working days after",
        "on_the_day": "on the day",
        "to_whom": "To",
        "time": "Time",
        "audience_city": "city team",
        "audience_committee": "investment committee",
        "rung_pending": "to be sent",
        "rung_fired": "sent",
        "rung_skipped": "not needed",
        "rung_cancelled": "cancelled",
        "grant_advance": "Advance under the contract",
        "grant_experiment": "Experimentation grant",
        "tranche_scheduled": "not yet due",
        "tranche_eligible": "due",
        "tranche_paid": "paid",
        "report_due": "to be submitted",
        "report_submitted": "submitted, waiting for review",
        "report_changes_requested": "changes asked for",
        "report_approved": "approved",
        "report_superseded": "replaced by the final report",
        "due_on": "due {date}",
        "bad_request": "Not possible",
        "forbidden": "Not allowed",
        "page_missing": "Page not found",
        "all_done": "Done",
        "link_problem": "This link does not work",
        "csrf_missing": "This form is missing its security token; open the page again and resubmit.",
        "csrf_bad": "This form's security token is not valid; open the page again and resubmit.",
        "csrf_browser": "This form was not made for this browser; open the page again and resubmit.",
        "csrf_session": "This form was made before you signed in or out; open the page again and resubmit.",
    },
    "fr": {
        "optional": "(facultatif)",
        "more_acts": "Autres actes",
        "by_import": "importé depuis un fichier",
        "back_to_city": "Retour à la page de la ville",
        "label_value": "{label}\u00a0: {value}",
        "choose": "Choisir",
        "ticked": "Coché\u00a0: {what}.",
        "objectives_to_tick": "Objectifs atteints",
        "no_objective_ticked": "Cochez au moins un objectif.",
        "days_before": "{n} jours ouvrés avant",
        "days_after": "{n} jours ouvrés après",
        "on_the_day": "le jour même",
        "to_whom": "À qui",
        "time": "Heure",
        "audience_city": "équipe de la ville",
        "audience_committee": "comité d'investissement",
        "rung_pending": "à envoyer",
        "rung_fired": "envoyée",
        "rung_skipped": "plus nécessaire",
        "rung_cancelled": "annulée",
        "grant_advance": "Avance prévue par la convention",
        "grant_experiment": "Subvention d'expérimentation",
        "tranche_scheduled": "pas encore exigible",
        "tranche_eligible": "à verser",
        "tranche_paid": "versée",
        "report_due": "à soumettre",
        "report_submitted": "soumis, en attente de relecture",
        "report_changes_requested": "modifications demandées",
        "report_approved": "approuvé",
        "report_superseded": "remplacé par le rapport final",
        "due_on": "échéance le {date}",
        "bad_request": "Impossible",
        "forbidden": "Non autorisé",
        "page_missing": "Page introuvable",
        "all_done": "C'est fait",
        "link_problem": "Ce lien ne fonctionne pas",
        "csrf_missing": "Il manque à ce formulaire son jeton de sécurité\u202f; rouvrez la page et envoyez-le à nouveau.",
        "csrf_bad": "Le jeton de sécurité de ce formulaire n'est pas valable\u202f; rouvrez la page et envoyez-le à nouveau.",
        "csrf_browser": "Ce formulaire n'a pas été fait pour ce navigateur\u202f; rouvrez la page et envoyez-le à nouveau.",
        "csrf_session": "Ce formulaire date d'avant votre connexion ou déconnexion\u202f; rouvrez la page et envoyez-le à nouveau.",
    },
    "pt": {
        "optional": "(facultativo)",
        "more_acts": "Outros atos",
        "by_import": "importado de um ficheiro",
        "back_to_city": "Voltar à página da cidade",
        "label_value": "{label}: {value}",
        "choose": "Escolher",
        "ticked": "Marcado: {what}.",
        "objectives_to_tick": "Objetivos alcançados",
        "no_objective_ticked": "Marque pelo menos um objetivo.",
        "days_before": "{n} dias úteis antes",
        "days_after": "{n} dias úteis depois",
        "on_the_day": "no próprio dia",
        "to_whom": "Para quem",
        "time": "Hora",
        "audience_city": "equipa da cidade",
        "audience_committee": "comité de investimento",
        "rung_pending": "por enviar",
        "rung_fired": "enviado",
        "rung_skipped": "já não necessário",
        "rung_cancelled": "anulado",
        "grant_advance": "Adiantamento previsto no acordo",
        "grant_experiment": "Subvenção de experimentação",
        "tranche_scheduled": "ainda não exigível",
        "tranche_eligible": "a pagar",
        "tranche_paid": "paga",
        "report_due": "por submeter",
        "report_submitted": "submetido, à espera de revisão",
        "report_changes_requested": "alterações pedidas",
        "report_approved": "aprovado",
        "report_superseded": "substituído pelo relatório final",
        "due_on": "prazo {date}",
        "bad_request": "Impossível",
        "forbidden": "Não autorizado",
        "page_missing": "Página não encontrada",
        "all_done": "Feito",
        "link_problem": "Esta ligação não funciona",
        "csrf_missing": "Falta a este formulário o seu código de segurança; abra a página de novo e volte a enviar.",
        "csrf_bad": "O código de segurança deste formulário não é válido; abra a página de novo e volte a enviar.",
        "csrf_browser": "Este formulário não foi feito para este navegador; abra a página de novo e volte a enviar.",
        "csrf_session": "Este formulário é de antes de entrar ou sair; abra a página de novo e volte a enviar.",
    },
}

# The sentences of the form checks (web/auth.py), by how each begins: said in the reader's language.
FORM_SENTENCES: Final = (
    ("This form is missing its security token", "csrf_missing"),
    ("This form's security token is not valid", "csrf_bad"),
    ("This form was not made for this browser", "csrf_browser"),
    ("This form was made before you signed in", "csrf_session"),
)


def refusal_words(what: object, lang: str) -> str:
    """A refused link (by the key engine.access gives it, in web/reply_words.py) or form, in the reader's language."""
    key, words = getattr(what, "key", None), REPLY[lang]
    if isinstance(key, str) and key in words:
        data = {k: str(v) for k, v in (getattr(what, "data", None) or {}).items()}
        try:
            return words[key].format(**data)
        except (KeyError, IndexError):
            return words["bad_link"]
    text = str(what)
    if lang == "en":  # the sentence as web/auth.py wrote it
        return text
    return next((TERMS[lang][k] for start, k in FORM_SENTENCES if text.startswith(start)), text)
