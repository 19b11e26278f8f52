"""Strategy as code: goals, objectives, key results and programmes, and their rules."""
