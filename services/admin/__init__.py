"""``gridtwin admin``: tenant administration over the ``tenants`` library."""
