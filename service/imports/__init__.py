"""Bulk import of investor profiles and financing requests from CSV and Excel files.

Reading (``reading``), column names (``columns``), codes or their names (``codes``),
amounts (``amounts``), accounts and events (``references``), row validation with the API's
own schemas (``validation``), natural keys (``natural_keys``) and what is stored already
(``existing``), bulk writes (``writing``), updates through the services (``updating``), the
refused rows written beside the file (``error_file``), and the run that ties them together
(``runner``).
"""
