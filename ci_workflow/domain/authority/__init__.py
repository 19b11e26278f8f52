"""Who acts, who may act, and who decided: actors, people and roles, permissions,
ownership, signed decisions."""
