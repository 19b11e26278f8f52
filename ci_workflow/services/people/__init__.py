"""The people of the practice: who they are, signing in, telling them, and refusing what they may
not do."""
