"""The strategy's tables and queries: items, versions, key results' values, improvements' links."""
