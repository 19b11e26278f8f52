"""What comes in: incident and change imports, opportunities detected in them, ideas, triage."""
