"""Prefect flows: thin orchestration over ``ci_workflow``; every decision lives in the package."""
