"""Who asks: the `jalon` command."""
