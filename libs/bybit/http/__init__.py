"""Bybit V5 REST: transport (``client``), errors, schemas and the endpoint groups."""
