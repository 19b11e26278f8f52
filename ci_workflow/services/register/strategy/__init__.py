"""Strategy as code: applying strategy.yaml, recording key results, the portfolio it frames."""
