"""Measuring objectives: captures from sources, values people record, trends, and whether gains
held."""
