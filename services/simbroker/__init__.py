"""The simulated exchange of a replay namespace, on the venue kernel."""
