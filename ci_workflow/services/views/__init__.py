"""Read-only shapes for pages and JSON: what people see of the register. Nothing here writes."""
