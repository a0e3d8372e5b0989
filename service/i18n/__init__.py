"""Chinese and English: the reader's language, message catalogs, amounts written for people."""
