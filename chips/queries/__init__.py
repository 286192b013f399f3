"""Read the store for pages, the API and the reports: indexed, paginated SQL that turns
rows into the dataclasses of :mod:`chips.rules`. No Flask here.

Every function takes an open SQLAlchemy ``Connection`` and a :class:`Scope` (the villages a
user may see; ``None`` = all), so access control is applied in the SQL itself.
"""
