"""``python -m ci_workflow`` runs the ``improve`` command."""

from ci_workflow.cli.app import main

main()
