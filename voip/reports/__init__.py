"""Call reports: figures, charts and exports from the one CallLog per call (never raw CDR)."""
