"""What comes in from files: the programme file and the cities and people importers."""
