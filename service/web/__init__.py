"""The web application: server-rendered pages for the commission, startups and investors."""
