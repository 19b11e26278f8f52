"""The talk about an improvement in the workspace: comments, following, attachments; each page
act with its JSON twin under ``/api``, calling the same use case."""
