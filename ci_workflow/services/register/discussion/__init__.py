"""Talking about an improvement: comments with their mentions, following it, attaching
evidence. Whoever may see an improvement (every active person) may comment, attach and follow;
a comment or a file is removed by who added it or by a CI manager. Every act is audited."""
