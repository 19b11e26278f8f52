"""Reports: the review report of an improvement, the practice report, the gate summary, their
charts, and the channels they are delivered through. Rendering only: the services gather the
data from the register and record what was saved and sent.

Entry points: ``review_context``/``render_review``, ``practice_context``/``render_practice``,
``gate_summary``, and ``channels`` for e-mail and webhooks.
"""

from ci_workflow.reports.gate_summary import gate_summary
from ci_workflow.reports.practice import practice_context, render_practice
from ci_workflow.reports.review import FORMATS, render_review, review_context

__all__ = [
    "FORMATS",
    "gate_summary",
    "practice_context",
    "render_practice",
    "render_review",
    "review_context",
]
