"""Per-form record tables: DDL on publish, inserts, list queries and exports."""
