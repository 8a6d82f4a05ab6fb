"""The ports in memory: the test harness for use cases (no I/O, same contracts)."""
