"""Scikit-learn scoring of investor/request pairs. Imports nothing from ``service``."""
