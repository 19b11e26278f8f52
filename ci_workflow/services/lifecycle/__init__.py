"""An improvement moving through the ITIL 4 model: starting it, its stages, gates and decisions,
the watchdog."""
