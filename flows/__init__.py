"""When it happens: Prefect flows over engine calls; the only package that imports prefect."""
