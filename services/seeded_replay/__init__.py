"""A recorded run replayed through the engine and the simbroker (composes services)."""
