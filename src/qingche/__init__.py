"""Qingche (轻车): taking weight off the grassroots."""
