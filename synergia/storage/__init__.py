"""Where generated documents go: a local folder by default, Google Drive in production."""
