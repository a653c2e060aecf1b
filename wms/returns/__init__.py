"""Returns: authorisations, station intake, matching, grading, disposition, resolution and fraud holds."""
