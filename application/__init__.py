"""Use cases, ports and the auth model. Knows the domain, never a framework."""
