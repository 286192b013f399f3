"""The CHIPS programme rules as plain functions over small frozen dataclasses.

Nothing here touches Flask or the database: the web app, the reports and the command line
map their rows onto the input dataclasses of each module and render the outputs. Each
module keeps its defaults (``DEFAULTS``) beside its code and offers ``from_settings`` to
read its TOML table. See ``README.md`` in this folder for every rule, its source and its
defaults.
"""
