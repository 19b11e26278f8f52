"""Reports: the review report of an improvement, the practice report, the gate summary, their
charts, and the channels they are delivered through. Rendering only: the services gather the
data from the register and record what was saved and sent.

Entry points, each imported from its module (a flow process that only opens a gate does not
pay for the practice report's charts): ``review.review_context``/``render_review``,
``practice.practice_context``/``render_practice``, ``gate_summary.gate_summary``, and
``channels`` for e-mail and webhooks.
"""
