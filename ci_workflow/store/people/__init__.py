"""Queries about people: accounts and roles, identities and tokens, parties, notifications."""
