"""WSGI entry for production servers: ``gunicorn server.wsgi:app``.

Settings come from the environment and the instance's chips.toml, as for ``chips serve``;
run ``chips db upgrade`` before starting workers so they never race on migrations.
"""

from chips.settings import load_settings
from server.app import create_app

app = create_app(load_settings())
