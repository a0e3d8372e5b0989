"""The web application's pages, one module per kind of user (plus signing in)."""
