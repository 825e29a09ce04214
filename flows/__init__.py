"""When it happens: Prefect flows over engine calls (the orchestration issue fills this)."""
