"""Meridian's domain: entities, value objects and rules. Standard library only."""
