"""gridtwin services, one package per service."""
