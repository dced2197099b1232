"""Count what a tool sends to the database, the same way for every tool and driver.

PostgreSQL: :class:`PostgresProxy` relays TCP between the client and the server and reads the
protocol as it passes. A round trip is a client send that expects an answer and follows an answer
(or starts the connection): pipelined messages count once, a bare Terminate not at all. Round trips
before the server's first ReadyForQuery are the connection's set-up (SSL negotiation, start-up), the
rest are queries. The SQL of every Query and Parse message is kept.

MySQL: :class:`MysqlProxy` relays the same way and reads the client's packets. In the command
phase every client command starts a packet with sequence number 0 and waits for its answer (no
MySQL driver here pipelines), so each such packet is one round trip (``COM_QUIT`` excepted), and
the SQL of ``COM_QUERY`` and ``COM_STMT_PREPARE`` is kept; the handshake's packets (sequence number
above 0) are the connection's set-up.

SQLite has no wire: :func:`trace_sqlite` hooks ``sqlite3.connect`` so that every statement the SQLite
engine runs, for any connection the tool opens, is recorded through ``set_trace_callback``. The
callback is installed inside the connection's constructor, before any subclass's ``__init__`` body
runs, so a statement a connection class runs as it opens (sqlspec's ``PRAGMA schema_version``
probe) is counted too.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

__all__ = ("LOCK_PATTERN", "MysqlProxy", "PostgresProxy", "WireCount", "trace_sqlite")

LOCK_PATTERN = re.compile(
    r"pg_(try_)?advisory(_xact)?_lock\b|\bLOCK\s+TABLES?\b|\bFOR\s+(NO\s+KEY\s+)?UPDATE\b"
    r"|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE)\b|\byoyo_lock\b|\bGET_LOCK\s*\(",
    re.IGNORECASE,
)
"""Statements that take or wait for a lock meant to keep migration runs apart."""

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
_CANCEL_REQUEST = 80877102


@dataclass
class WireCount:
    """What one measured call sent."""

    connections: int = 0
    setup_round_trips: int = 0
    round_trips: int = 0
    """Query round trips: after the connection was ready (for SQLite, statements run)."""
    statements: list[str] = field(default_factory=list)
    """The SQL sent (PostgreSQL: Query and Parse messages), in order."""

    @property
    def takes_lock(self) -> bool:
        """Whether any statement takes a lock to keep migration runs apart."""
        return any(LOCK_PATTERN.search(statement) for statement in self.statements)


class _Session:
    """One relayed PostgreSQL connection: the parsers' state for both directions."""

    def __init__(self, proxy: _Relay) -> None:
        self._proxy = proxy
        self._client = b""
        self._server = b""
        self._startup = True
        self._single_bytes = 0  # answers to SSLRequest / GSSENCRequest are one untyped byte
        self._ready = False
        self._answered = True

    def from_client(self, data: bytes) -> None:
        self._client += data
        expects_answer = False
        sent: list[str] = []
        while True:
            if self._startup:
                if len(self._client) < 8:
                    break
                length, code = struct.unpack("!ii", self._client[:8])
                if len(self._client) < length:
                    break
                self._client = self._client[length:]
                if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                    self._single_bytes += 1
                elif code != _CANCEL_REQUEST:
                    self._startup = False
                expects_answer = True
                continue
            if len(self._client) < 5:
                break
            kind = self._client[:1]
            (length,) = struct.unpack("!i", self._client[1:5])
            if len(self._client) < 1 + length:
                break
            body, self._client = self._client[5 : 1 + length], self._client[1 + length :]
            if kind == b"Q":
                sent.append(body[:-1].decode(errors="replace"))
            elif kind == b"P":
                sent.append(body.split(b"\x00", 2)[1].decode(errors="replace"))
            if kind != b"X":
                expects_answer = True
        with self._proxy.lock:
            count = self._proxy.count
            count.statements.extend(sent)
            if expects_answer and self._answered:
                self._answered = False
                if self._ready:
                    count.round_trips += 1
                else:
                    count.setup_round_trips += 1

    def from_server(self, data: bytes) -> None:
        self._server += data
        while True:
            if self._single_bytes:
                if not self._server:
                    break
                self._server = self._server[1:]
                self._single_bytes -= 1
                continue
            if len(self._server) < 5:
                break
            kind = self._server[:1]
            (length,) = struct.unpack("!i", self._server[1:5])
            if len(self._server) < 1 + length:
                break
            self._server = self._server[1 + length :]
            if kind == b"Z":
                self._ready = True
        with self._proxy.lock:
            self._answered = True


_COM_QUIT = 0x01
_COM_QUERY = 0x03
_COM_STMT_PREPARE = 0x16


class _MysqlSession:
    """One relayed MySQL connection: the client's packets, read as they pass."""

    def __init__(self, proxy: _Relay) -> None:
        self._proxy = proxy
        self._client = b""

    def from_client(self, data: bytes) -> None:
        self._client += data
        commands = setup = 0
        sent: list[str] = []
        while len(self._client) >= 4:
            length = int.from_bytes(self._client[:3], "little")
            if len(self._client) < 4 + length:
                break
            sequence = self._client[3]
            payload, self._client = self._client[4 : 4 + length], self._client[4 + length :]
            if sequence != 0:
                setup += 1  # the handshake response and any authentication exchange
                continue
            kind = payload[0] if payload else -1
            if kind in (_COM_QUERY, _COM_STMT_PREPARE):
                sent.append(payload[1:].decode(errors="replace"))
            if kind != _COM_QUIT:
                commands += 1
        with self._proxy.lock:
            count = self._proxy.count
            count.statements.extend(sent)
            count.round_trips += commands
            count.setup_round_trips += setup

    def from_server(self, data: bytes) -> None:
        return  # the answers need no reading: every command waits for its own


class _Relay:
    """A counting TCP relay to a database server, listening on 127.0.0.1 at :attr:`port`."""

    session_class: type[_Session] | type[_MysqlSession] = _Session

    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self.lock = threading.Lock()
        self.count = WireCount()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def measure(self) -> WireCount:
        """Start a new count and return it; it fills in as traffic passes."""
        with self.lock:
            self.count = WireCount()
            return self.count

    def close(self) -> None:
        self._closing = True
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            session = self.session_class(self)
            with self.lock:
                self.count.connections += 1
            threading.Thread(
                target=self._relay, args=(client, server, session.from_client), daemon=True
            ).start()
            threading.Thread(
                target=self._relay, args=(server, client, session.from_server), daemon=True
            ).start()

    @staticmethod
    def _relay(source: socket.socket, target: socket.socket, observe: Callable[[bytes], None]) -> None:
        try:
            while data := source.recv(65536):
                observe(data)  # before forwarding: the answer cannot overtake the count
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()


class PostgresProxy(_Relay):
    """A counting relay that reads the PostgreSQL protocol."""

    session_class = _Session


class MysqlProxy(_Relay):
    """A counting relay that reads the MySQL protocol."""

    session_class = _MysqlSession


@contextmanager
def trace_sqlite(count: WireCount) -> Iterator[WireCount]:
    """Record every statement run on SQLite connections opened inside the block.

    The trace callback is set by a class placed just above ``sqlite3.Connection`` in the factory's
    method resolution order: its ``__init__`` runs right after the C-level open and before the body
    of any subclass's ``__init__``, so statements run while the connection opens are seen too.
    """
    original = sqlite3.connect

    def record(statement: str) -> None:
        count.statements.append(statement)
        count.round_trips += 1

    class Traced(sqlite3.Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            count.connections += 1
            self.set_trace_callback(record)

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        if len(args) > 5:
            raise TypeError("trace_sqlite: pass factory by keyword")
        factory = kwargs.get("factory", sqlite3.Connection)
        if factory is sqlite3.Connection:
            kwargs["factory"] = Traced
        elif not issubclass(factory, Traced):
            kwargs["factory"] = type(factory.__name__, (factory, Traced), {})
        connection: sqlite3.Connection = original(*args, **kwargs)
        return connection

    # sqlite3.connect and sqlite3.dbapi2.connect are one function; drivers call either
    for module in (sqlite3, sqlite3.dbapi2):
        setattr(module, "connect", connect)  # noqa: B010 -- mypy refuses to assign to a def
    try:
        yield count
    finally:
        for module in (sqlite3, sqlite3.dbapi2):
            setattr(module, "connect", original)  # noqa: B010
