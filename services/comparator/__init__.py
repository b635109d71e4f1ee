"""The comparator: a live run against its simulation (spec/validation.md). ``gridtwin
compare`` offline over run folders or stored runs; ``gridtwin comparator`` the service
that judges every seeded replay as it finishes (``service.Comparator``)."""
