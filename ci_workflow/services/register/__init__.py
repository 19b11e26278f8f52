"""The register itself: improvements applied from files, browsed, set up; plan progress."""
