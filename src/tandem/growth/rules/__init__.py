"""The growth app's rules, one module per concept."""
