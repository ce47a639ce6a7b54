"""The form model: field types, definition documents and publish plans (pure Python)."""
