"""Read-only pictures of the programme: board, dossier, timeline, calendar feeds, weekly digest."""
