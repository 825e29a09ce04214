"""The journey and its one door: act, the facts guards read, the fields acts take, their effects and audit."""
