"""The matchmaking service: FastAPI app, its resources and its command line."""
