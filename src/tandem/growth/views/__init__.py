"""The growth app's views, one module per concept."""
