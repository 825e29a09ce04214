"""When things fall due and who is chased: calendars, timers, the sweep, scheduled reports."""
