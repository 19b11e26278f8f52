"""Commands that bring work in: ideas, incident and change imports, opportunities."""
