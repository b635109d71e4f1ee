"""``gridtwin compare``: a live run against its simulation (spec/validation.md), offline
over run folders for now; the bus/PostgreSQL service comes later."""
