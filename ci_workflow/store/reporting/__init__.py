"""Queries behind reports: review reports, the practice's figures, lessons."""
