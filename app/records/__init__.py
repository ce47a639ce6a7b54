"""Per-form record tables: DDL on publish, inserts, list queries and exports.

Readers go through `app.records.access.RecordAccess`, which applies the user's rights.
"""
