"""The improvement as a file: its spec, form, sources, field diffs, SMART checks,
priority, similarity."""
