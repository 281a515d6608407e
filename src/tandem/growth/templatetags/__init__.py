"""The growth app's templatetags, one module per concept."""
