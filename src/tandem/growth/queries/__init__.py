"""The growth app's queries, one module per concept."""
