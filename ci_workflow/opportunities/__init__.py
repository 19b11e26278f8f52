"""Opportunities: incident exports read as their mapping says (``incident_export``), detectors
that find groups deserving an improvement (``detect``), and the improvement file an accepted
finding becomes (``improvement_file``). Pure but for reading the export file; the services record
findings and register accepted ones.
"""
