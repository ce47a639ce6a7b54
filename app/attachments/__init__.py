"""File attachments: where uploads are stored, how they are held between the confirmation
page and the final submit, attached to records, listed, downloaded, exported and purged.

The file attachment field type itself (limits, checks by content, what the record's column
keeps) is ``builder.fields.file``.
"""
