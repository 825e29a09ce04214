"""Representative data for every message kind: what the engine puts in an outbox row, once rendered."""

from __future__ import annotations

from typing import Any

from notifications.catalogue import KINDS
from notifications.words import tranche_names

AT = "2026-03-02T10:30:00+00:00"
NEXT = {"subject": "contracting", "due_on": "2026-03-30"}
CONTACTS = [
    {"role": "city_lead", "name": "Fatoumata Keïta", "email": "fatoumata.keita@bamako.example.org"},
    {"role": "coach", "name": "Amadou Traoré", "email": "amadou.traore@coach.example.org"},
    {"role": "secretariat", "name": "Claire Martin", "email": "claire.martin@aston.example.org"},
]
PLAN = {
    "title": "Données ouvertes des marchés",
    "hypothesis": "Publier les prix réduit les écarts.",
    "budget": "48000.00",
    "currency": "EUR",
}
GRANT = {
    "amount": "48000.00",
    "currency": "EUR",
    "paid": "24000.00",
    "balance": "24000.00",
    "tranches": [
        {
            "number": n,
            "share": share,
            "condition": when,
            "name": tranche_names(n, share, when),
            "amount": [amount, "EUR"],
        }
        for n, share, when, amount in (
            (1, 50, "award", "24000.00"),
            (2, 30, "first_report_approved", "14400.00"),
            (3, 20, "final_report_approved", "9600.00"),
        )
    ],
}
ADVANCE = {"number": 1, "share": 50, "condition": "award", "name": tranche_names(1, 50, "award")}
RUNG = {
    "subject": "contracting",
    "due_on": "2026-03-30",
    "business_days": 5,
    "audience": "city",
    "extended_days": 0,
    "stage": "contracting",
}
EVENTS: dict[str, dict[str, Any]] = {
    "selection_notice": {"next_deadline": {"subject": "selected", "due_on": "2026-02-16"}},
    "welcome": {"actor": "Fatoumata Keïta", "note": None, "next_deadline": NEXT},
    "declined": {"actor": "Fatoumata Keïta", "reason": "Élections municipales en cours."},
    "contract_sent": {"actor": "Claire Martin", "note": "Joindre le RIB.", "next_deadline": NEXT},
    "contract_signed": {"actor": "Claire Martin", "data": {"amount": "10000.00", "currency": "XOF"}},
    "first_payment": {"actor": "Finance", "paid": {"amount": "10000", "currency": "XOF"}},
    "onboarding_checklist": {
        "objectives": [
            {
                "en": "Kick-off event attended",
                "fr": "Participation à l'événement inaugural",
                "pt": "Participação no evento de lançamento",
            },
            {"en": "Secretariat visit done"},
        ],
        "next_deadline": NEXT,
    },
    "coach_assigned": {
        "actor": "Claire Martin",
        "coach": {"name": "Amadou Traoré", "email": "amadou.traore@coach.example.org"},
    },
    "plan_submitted": {"actor": "Fatoumata Keïta", "plan": PLAN, "next_deadline": NEXT},
    "changes_requested": {"actor": "Amadou Traoré", "what": "plan", "reason": "Préciser le budget."},
    "ready_for_committee": {"actor": "Amadou Traoré", "plan": PLAN, "next_deadline": NEXT},
    "committee_decision": {"actor": "Claire Martin", "decision": "approve_grant", "grant": GRANT, "reason": "Bravo."},
    "tranche_paid": {
        "actor": "Finance",
        "tranche": {"label": "advance", "amount": "24000.00", "currency": "EUR"} | ADVANCE,
        "grant": GRANT,
    },
    "report_submitted": {
        "actor": "Fatoumata Keïta",
        "report": {"subject": "periodic_report_1", "summary": "Trois marchés pilotes."},
    },
    "report_approved": {
        "actor": "Amadou Traoré",
        "report": {"subject": "periodic_report_1", "summary": "-"},
        "next_deadline": {"subject": "periodic_report_2", "due_on": "2026-09-01"},
    },
    "final_report_requested": {
        "actor": "Claire Martin",
        "next_deadline": {"subject": "final_reporting", "due_on": "2027-05-03"},
    },
    "completed": {"actor": "Amadou Traoré"},
    "paused": {"actor": "Claire Martin", "reason": "Inondations à Bamako."},
    "resumed": {"actor": "Claire Martin", "to": "contracting", "next_deadline": NEXT},
    "withdrawn": {"actor": "Claire Martin", "reason": "Changement d'équipe municipale."},
    "deadline_extended": {
        "actor": "Claire Martin",
        "data": {"days": 10, "reason": "Le conseil siège le 28."},
        "next_deadline": NEXT,
    },
    "deadline.reminder": RUNG,
    "report_due": RUNG | {"subject": "periodic_report_1", "business_days": -5},
    "deadline.escalation.coach": RUNG | {"business_days": 10, "audience": "coach"},
    "deadline.escalation.secretariat": RUNG | {"business_days": 20, "audience": "secretariat"},
    "deadline.escalation.finance": RUNG | {"business_days": 20, "audience": "finance"},
    "deadline.escalation.mayor": RUNG | {"business_days": 30, "audience": "mayor"},
    "alarm.selection_to_start": {
        "subject": "selection_to_start",
        "since": "2026-01-15",
        "due_on": "2026-05-15",
        "stage": "contracting",
    },
    "alarm.silent": {"subject": "silent", "since": "2026-04-01", "due_on": "2026-05-01", "stage": "onboarding"},
    "weekly_digest": {
        "since": "2026-02-02",
        "until": "2026-03-02",
        "late": 1,
        "news": 2,
        "cities": [
            {
                "name": "Bamako",
                "stage": "contracting",
                "subject": "contracting",
                "due_on": "2026-02-20",
                "late_by": 6,
                "very_late": False,
                "waits_on": "city_member",
                "who": "Fatoumata Keïta",
                "news": [],
            },
            {
                "name": "Matola",
                "stage": "onboarding",
                "subject": "onboarding",
                "due_on": "2026-04-02",
                "late_by": 0,
                "very_late": False,
                "waits_on": "city_member",
                "who": "Célia Machava",
                "news": [
                    [
                        "2026-02-24",
                        {
                            "en": "Record the first payment",
                            "fr": "Enregistrer le premier virement",
                            "pt": "Registar a primeira transferência",
                        },
                        "Inès Diallo",
                    ]
                ],
            },
            {
                "name": "Niamey",
                "stage": "paused",
                "subject": "experiment_planning",
                "due_on": "2026-05-04",
                "late_by": 0,
                "very_late": False,
                "waits_on": None,
                "who": "",
                "news": [],
            },
        ],
        "alarms": [["Niamey", "silent", "2026-03-01", "2026-01-30"]],
        "failed": [["Awa Traoré <nobody@nowhere.example>", "Bamako", "2026-02-27", "550 No such user"]],
    },
    "signin_link": {"link": "https://jalon.example.org/signin/abc.def", "expires": "2026-03-02T10:45:00+00:00"},
    "network_bulletin": {
        "upcoming": [["Bamako", "contracting", "2026-03-30"], ["Matola", "periodic_report_1", "2026-04-02"]],
        "moves": [["Kigali", "onboarding", "2026-02-27"]],
    },
}
ROLE_OF = {
    "self": "coach",
    "coach": "coach",
    "secretariat": "secretariat",
    "finance": "finance",
    "mayor": "mayor",
    "committee_member": "committee_member",
    "everyone": "city_lead",
}


def context(code: str, **reader: str) -> dict[str, Any]:
    """What the engine hands the renderer for one reader of one message of this kind."""
    audience = KINDS[code].audiences[0]
    network = code in ("weekly_digest", "network_bulletin", "signin_link")
    return {
        "reader": {
            "name": "Fatoumata Keïta",
            "email": "fatoumata.keita@bamako.example.org",
            "role": ROLE_OF.get(audience, audience),
        }
        | reader,
        "city": None if network else {"code": "BKO", "name": "Bamako", "country": "ML"},
        "programme": {"code": "ASTON", "name": "ASToN"},
        "contacts": CONTACTS,
        "tz": "Africa/Bamako",
        "at": AT,
        "event": {"to": "contracting", "from": "selected", "actor": "", "note": None, "reason": None} | EVENTS[code],
    }
