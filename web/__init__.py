"""Who asks, in a browser: the board, each city's page, approvals for coaches (the web issue fills this)."""
