"""What is said: message catalogue, templates per language, delivery (the notifications issue fills this)."""
