"""The words of the pages a message's links open (a way in, an answer, a reminder seen), and of their refusals."""

# ruff: noqa: E501 - sentences of a translation table read better whole (as in web/words.py)

from __future__ import annotations

from typing import Final

REPLY: Final[dict[str, dict[str, str]]] = {
    "en": {
        "open_title": "Open {city} in Jalon",
        "open_intro": "This link signs {name} in to Jalon, once, and opens the page of {city}. Nothing happens until you press the button.",
        "continue_to": "Continue to {city}",
        "invitation_title": "{city}: your answer to the selection",
        "invitation_intro": "{city} has been selected to join the programme. Confirming says that your city is interested and available: the secretariat then sends the grant agreement.",
        "answer_by": "Answer by {date}.",
        "decline_heading": "Or decline",
        "decline_intro": "Declining ends your city's journey in the programme, and the secretariat may offer the place to another city. Say why: the secretariat reads it.",
        "reason": "Reason",
        "reason_needed": "Say why before declining. Nothing was changed and this link still works.",
        "ack_title": "{city}: the reminder about “{subject}”",
        "ack_intro": "Press the button to record that you have seen this reminder. It shows in the city's history; no message is sent, and the reminders go on until the step is done.",
        "due": "Due: {date}.",
        "next_step": "Next step: {move}.",
        "ack_button": "I have seen this reminder",
        "nothing_changes": "Nothing changes until you press a button.",
        "done_title": "Done",
        "done": "Done: {what}.",
        "to_city": "Open the page of {city}",
        "refused_title": "Not done",
        "link_title": "This link does not work",
        "fresh_link": "Ask for a new sign-in link",
        "fresh_intro": "Give your address on the sign-in page: a new link is sent to it at once.",
        "forged": "This link is not one Jalon made (it was changed or forged).",
        "damaged": "This link is damaged.",
        "other_purpose": "This link is for something else.",
        "expired": "This link has expired.",
        "used": "This link has been used already.",
        "withdrawn": "This link no longer works: your access changed since it was sent.",
        "newer": "A newer sign-in link was sent since this one; use the newest.",
        "gone": "This link's person is no longer in the network.",
        "someone_else": "This link is for {email}, and someone else is signed in on this browser. Sign out first, or open it in a private window.",
        "stale": "{city} has changed since this message was sent, so this link no longer answers for it. Nothing was changed; open the city's page to see where it stands.",
        "bad_link": "This link does not work.",
    },
    "fr": {
        "open_title": "Ouvrir {city} dans Jalon",
        "open_intro": "Ce lien connecte {name} à Jalon, une seule fois, et ouvre la page de {city}. Rien ne se passe tant que vous n'appuyez pas sur le bouton.",
        "continue_to": "Continuer vers {city}",
        "invitation_title": "{city}\u00a0: votre réponse à la sélection",
        "invitation_intro": "La ville de {city} a été sélectionnée pour rejoindre le programme. Confirmer, c'est dire que votre ville est intéressée et disponible\u00a0: le secrétariat envoie ensuite la convention de subvention.",
        "answer_by": "Répondez au plus tard le {date}.",
        "decline_heading": "Ou décliner",
        "decline_intro": "Décliner met fin au parcours de votre ville dans le programme, et le secrétariat peut proposer la place à une autre ville. Dites pourquoi\u00a0: le secrétariat le lira.",
        "reason": "Motif",
        "reason_needed": "Indiquez le motif avant de décliner. Rien n'a été modifié et ce lien fonctionne encore.",
        "ack_title": "{city}\u00a0: le rappel concernant «\u202f{subject}\u202f»",
        "ack_intro": "Appuyez sur le bouton pour indiquer que vous avez vu ce rappel. Cela apparaît dans l'historique de la ville\u202f; aucun message n'est envoyé, et les rappels continuent jusqu'à ce que l'étape soit franchie.",
        "due": "Échéance\u00a0: {date}.",
        "next_step": "Prochaine étape\u00a0: {move}.",
        "ack_button": "J'ai bien vu ce rappel",
        "nothing_changes": "Rien ne change tant que vous n'appuyez pas sur un bouton.",
        "done_title": "C'est fait",
        "done": "C'est fait\u00a0: {what}.",
        "to_city": "Ouvrir la page de {city}",
        "refused_title": "Rien n'a été fait",
        "link_title": "Ce lien ne fonctionne pas",
        "fresh_link": "Demander un nouveau lien de connexion",
        "fresh_intro": "Indiquez votre adresse sur la page de connexion\u00a0: un nouveau lien vous est aussitôt envoyé.",
        "forged": "Ce lien n'a pas été créé par Jalon (il a été modifié ou falsifié).",
        "damaged": "Ce lien est abîmé.",
        "other_purpose": "Ce lien sert à autre chose.",
        "expired": "Ce lien a expiré.",
        "used": "Ce lien a déjà servi.",
        "withdrawn": "Ce lien ne fonctionne plus\u00a0: vos accès ont changé depuis son envoi.",
        "newer": "Un lien de connexion plus récent a été envoyé depuis\u202f; utilisez le plus récent.",
        "gone": "La personne à qui ce lien était destiné ne fait plus partie du réseau.",
        "someone_else": "Ce lien est destiné à {email}, et une autre personne est connectée dans ce navigateur. Déconnectez-vous d'abord, ou ouvrez-le dans une fenêtre privée.",
        "stale": "La situation de {city} a changé depuis l'envoi de ce message\u00a0: ce lien ne permet plus d'y répondre. Rien n'a été modifié\u202f; ouvrez la page de la ville pour voir où elle en est.",
        "bad_link": "Ce lien ne fonctionne pas.",
    },
    "pt": {
        "open_title": "Abrir {city} no Jalon",
        "open_intro": "Esta ligação inicia a sessão de {name} no Jalon, uma única vez, e abre a página de {city}. Nada acontece antes de premir o botão.",
        "continue_to": "Continuar para {city}",
        "invitation_title": "{city}: a vossa resposta à seleção",
        "invitation_intro": "A cidade de {city} foi selecionada para integrar o programa. Confirmar significa que a vossa cidade está interessada e disponível: o secretariado envia depois o acordo de subvenção.",
        "answer_by": "Responda até {date}.",
        "decline_heading": "Ou recusar",
        "decline_intro": "Recusar encerra o percurso da vossa cidade no programa, e o secretariado pode oferecer o lugar a outra cidade. Diga porquê: o secretariado vai lê-lo.",
        "reason": "Motivo",
        "reason_needed": "Indique o motivo antes de recusar. Nada foi alterado e esta ligação continua a funcionar.",
        "ack_title": "{city}: o lembrete sobre «{subject}»",
        "ack_intro": "Prima o botão para registar que viu este lembrete. Fica no histórico da cidade; nenhuma mensagem é enviada, e os lembretes continuam até a etapa estar concluída.",
        "due": "Prazo: {date}.",
        "next_step": "Próximo passo: {move}.",
        "ack_button": "Vi este lembrete",
        "nothing_changes": "Nada muda antes de premir um botão.",
        "done_title": "Feito",
        "done": "Feito: {what}.",
        "to_city": "Abrir a página de {city}",
        "refused_title": "Nada foi feito",
        "link_title": "Esta ligação não funciona",
        "fresh_link": "Pedir uma nova ligação de acesso",
        "fresh_intro": "Indique o seu endereço na página de acesso: uma nova ligação é-lhe enviada de imediato.",
        "forged": "Esta ligação não foi criada pelo Jalon (foi alterada ou falsificada).",
        "damaged": "Esta ligação está danificada.",
        "other_purpose": "Esta ligação serve para outra coisa.",
        "expired": "Esta ligação expirou.",
        "used": "Esta ligação já foi usada.",
        "withdrawn": "Esta ligação já não funciona: os seus acessos mudaram desde o envio.",
        "newer": "Foi enviada uma ligação de acesso mais recente; use a mais recente.",
        "gone": "A pessoa a quem esta ligação se destinava já não faz parte da rede.",
        "someone_else": "Esta ligação destina-se a {email}, e está outra pessoa com sessão iniciada neste navegador. Saia primeiro, ou abra-a numa janela privada.",
        "stale": "A situação de {city} mudou desde o envio desta mensagem: esta ligação já não permite responder. Nada foi alterado; abra a página da cidade para ver em que ponto está.",
        "bad_link": "Esta ligação não funciona.",
    },
}


def refusal(exc: BaseException, lang: str, **values: str) -> str:
    """A refused link said in the reader's language, from the key its error carries (never the English text)."""
    words = REPLY[lang if lang in REPLY else "en"]
    key = getattr(exc, "key", "bad_link")
    return words.get(key, words["bad_link"]).format_map(_Blank(values))


class _Blank(dict[str, str]):
    """Values a sentence names but the caller does not know (an address): left out rather than shown as a key."""

    def __missing__(self, key: str) -> str:
        return "…"
