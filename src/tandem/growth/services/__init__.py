"""The growth app's services, one module per concept."""
