"""Locale format overrides (FORMAT_MODULE_PATH); German and Danish use Django's own."""
