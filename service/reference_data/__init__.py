"""Sectors, stages, regions, currencies and exchange rates: the data, the code links, the route."""
