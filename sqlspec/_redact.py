"""Secrets kept out of what sqlspec prints: DSNs, connection configs, and driver errors that echo them.

A password can sit in a DSN's userinfo (``postgresql://u:secret@h/db``) or in its query
(``?password=secret``, ``passfile=``, ``sslpassword=``); errors, ``check``, ``--json``, ``show-config``
and the Litestar plugin's log all print where a config points, so all of them go through here. The
DSN is read with :mod:`urllib.parse`, never cut by hand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

__all__ = ("MASK", "redact_connection_config", "redact_dsn", "redact_text")

MASK = "***"
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|cred", re.IGNORECASE)
"""A query parameter or config key whose value is masked: password, passfile, sslpassword, sslkey…"""
_WORD = re.compile(r"\w+")


def _is_secret(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None


def redact_dsn(dsn: str, *, location_only: bool = False) -> str:
    """``dsn`` with the userinfo password and every secret-looking query value masked.

    ``location_only`` drops the scheme and the user too, leaving where it points
    (``host:port/db?sslmode=require``). A string that is not a URL (no scheme, such as libpq's
    ``host=h password=x``, or one ``urlsplit`` rejects) is masked whole: it cannot be read safely.
    """
    try:
        parts = urlsplit(dsn)
    except ValueError:
        return MASK
    if not parts.scheme:
        return MASK
    # urllib's own reading: the userinfo ends at the last "@" (so a stray "@" in a password is masked)
    userinfo, at, hostinfo = parts.netloc.rpartition("@")
    if at and not location_only:
        user = parts.username or ""
        hostinfo = f"{user}:{MASK}@{hostinfo}" if parts.password is not None else f"{userinfo}@{hostinfo}"
    query = "&".join(_masked_field(name, value) for name, value in _fields(parts.query))
    where = hostinfo + parts.path + (f"?{query}" if query else "")
    if location_only:
        return where
    # not urlunsplit: it drops the "//" of an empty host (postgresql:///db, a local socket)
    return f"{parts.scheme}://{where}" + (f"#{parts.fragment}" if parts.fragment else "")


def _masked_field(name: str, value: str) -> str:
    if not _is_secret(name):
        return urlencode([(name, value)], safe="/:,", quote_via=quote)
    # No value: a mistyped field such as "password:secret", which is the secret whole
    return f"{quote(name)}={MASK}" if value else MASK


def redact_connection_config(connection_config: Mapping[str, object]) -> str:
    """A connection config on one line, for display: the DSN redacted, secret-looking keys masked."""
    return ", ".join(f"{key}={_shown(key, value)}" for key, value in connection_config.items()) or "-"


def _shown(key: str, value: object) -> str:
    if _is_secret(key):
        return MASK
    if key == "dsn" and isinstance(value, str):
        return redact_dsn(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_shown(str(k), v)}" for k, v in value.items()) + "}"
    return str(value)


def redact_text(text: str, connection_config: Mapping[str, object]) -> str:
    """``text`` (a driver's error message) with every secret of ``connection_config`` masked.

    Drivers quote what they were given (a passfile's path, a query field), so the DSN is replaced by
    its redacted form and then each secret value, as written and as decoded, wherever it appears.
    """
    dsn = connection_config.get("dsn")
    if isinstance(dsn, str) and dsn:
        text = text.replace(dsn, redact_dsn(dsn))
    for secret in sorted(set(_secrets(connection_config)), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def _secrets(connection_config: Mapping[str, object]) -> Iterator[str]:
    values = [
        str(value)
        for key, value in connection_config.items()
        if _is_secret(key) and isinstance(value, str | os.PathLike)
    ]
    dsn = connection_config.get("dsn")
    try:
        parts = urlsplit(dsn) if isinstance(dsn, str) else None
    except ValueError:
        parts = None
    if parts is not None:
        values.append(parts.password or "")
        for raw in (False, True):
            values.extend(
                value or (name if _WORD.fullmatch(name) is None else "")  # "password:secret", mistyped
                for name, value in _fields(parts.query, raw=raw)
                if _is_secret(name)
            )
    for value in values:
        if value:  # an empty secret would match everywhere
            yield from {value, unquote(value)}


def _fields(query: str, *, raw: bool = False) -> list[tuple[str, str]]:
    """A query's fields decoded, or as written (a driver may quote either): ``%`` and ``+`` kept."""
    if raw:
        query = query.replace("%", "%25").replace("+", "%2B")
    return parse_qsl(query, keep_blank_values=True)
