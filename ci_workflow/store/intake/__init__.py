"""Queries about intake data: imported incidents and change records, opportunities."""
