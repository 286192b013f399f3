"""Pulls from ODK Central and KoboToolbox into the store, and publishing forms to them (README.md)."""
