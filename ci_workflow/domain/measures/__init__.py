"""What measurements say: windows, progress, verdicts, sustainment, KPIs and practice statistics."""
