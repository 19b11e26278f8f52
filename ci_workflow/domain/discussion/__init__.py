"""Rules of talking about an improvement: comments and their mentions, attachments."""
