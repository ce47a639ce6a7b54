"""E-mail: messages composed from a form's templates, kept in the outbox table in the
record's transaction, and sent by a worker (polling, or RQ on Redis)."""
