"""What a person does to one improvement from its page, beside deciding its gate: record a
value or a survey, confirm a measured baseline, withdraw it. Each form has its JSON twin calling
the same use case."""
