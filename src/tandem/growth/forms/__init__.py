"""The growth app's forms, one module per concept."""
