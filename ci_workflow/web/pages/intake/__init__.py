"""Pages of the intake wing: what comes into the register from other tools."""
