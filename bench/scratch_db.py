"""The scratch PostgreSQL database a benchmark (re)creates for its run and drops after."""

from urllib.parse import urlsplit, urlunsplit


def server_and_name(url):
    """``postgres://.../name?options`` → (a URL of the server's ``postgres`` database, name)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres", query="")), parts.path.lstrip("/")


def on_server(url, *statements):
    """Run ``statements`` (``{}`` stands for the database's quoted name) on the server."""
    import psycopg2
    from psycopg2 import sql

    server, name = server_and_name(url)
    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(sql.SQL(statement).format(sql.Identifier(name)))
    connection.close()
    return name


def recreate_database(url):
    """Drop and create the database named in ``url``; returns its name."""
    return on_server(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")


def drop_database(url):
    on_server(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)")
