"""Improvement opportunities found in incident data (the practice's first activity)."""
