"""Alembic's entry point for the history schema.

The gateway runs migrations itself (``HistoryStore.migrate``, at startup of
``serve`` and ``demo``, and ``gateway migrate``) on a connection it opened, so
replicas share its advisory lock; this script only uses that connection.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `gateway migrate`, which opens the connection")
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
