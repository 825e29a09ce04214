"""Who gets in: signed tokens, sign-in links and their single-use ledger."""
