"""Reports: the review report and its delivery, the practice report and KPIs, lessons learned."""
