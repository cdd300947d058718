"""Connections to PostgreSQL: a DSN checked before libpq sees it, JSON through orjson, and
how a DSN or an error is shown to an operator (never with a password)."""

from __future__ import annotations

import orjson
import psycopg
from psycopg.types.json import set_json_dumps, set_json_loads


def configure(conn: psycopg.Connection) -> None:
    set_json_dumps(orjson.dumps, conn)
    set_json_loads(orjson.loads, conn)


class BadDsn(psycopg.OperationalError):
    """The DSN does not parse. libpq's own message quotes the text around the mistake,
    often the password itself, so it is never passed on."""


def check_dsn(dsn: str) -> None:
    """BadDsn (an OperationalError, so every caller that reports a failed connection
    reports this too) unless `dsn` is a libpq connection string or URI."""
    try:
        psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        raise BadDsn("the configured dsn is not a valid libpq connection string or URI "
                     "(it is not shown here, as it may hold the password): check its "
                     "quoting, spaces and %-escapes") from None


def connect(dsn: str, **kwargs) -> psycopg.Connection:
    """One connection outside the pool (migrations, the lease holder's checks)."""
    check_dsn(dsn)
    conn = psycopg.connect(dsn, **kwargs)
    configure(conn)
    return conn


def describe_dsn(dsn: str) -> str:
    """Where the DSN points (host, port, database, user, then the rest), never its password."""
    try:
        params = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "the configured dsn"
    for key in [k for k in params if "password" in k]:  # password, sslpassword
        del params[key]
    first = [k for k in ("host", "port", "dbname", "user") if k in params]
    keys = first + sorted(k for k in params if k not in first)
    return " ".join(f"{k}={params[k]}" for k in keys) or "the default server"


def one_line(exc: BaseException) -> str:
    """libpq's messages run over several lines: one line for the operator's terminal."""
    return " ".join(str(exc).split())
