"""Queries about the register: improvements, applied rows, file versions, listings, the board."""
