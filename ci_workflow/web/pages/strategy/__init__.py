"""Pages about the strategy and the portfolio it frames."""
