"""The lifecycle: statuses and allowed moves, gates, stranded runs, checkpoint schedules."""
