"""Commands that look after an installation rather than the register's work (`improve doctor`)."""
