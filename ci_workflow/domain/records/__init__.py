"""Incident and change records as the register reads them from exports."""
