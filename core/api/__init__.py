"""Plumbing of the JSON API shared by every app's ``api.py`` (named in ``REST_FRAMEWORK``)."""
