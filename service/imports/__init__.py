"""Bulk import of investor profiles and financing requests from CSV and Excel files.

Reading (``reading``), column names (``columns``), amounts (``amounts``), owners
(``owners``), row validation with the API's own schemas (``validation``), bulk writes
(``writing``), and the run that ties them together (``runner``).
"""
