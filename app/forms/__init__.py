"""Forms: creating, saving drafts and publishing (operations), shared by pages and API."""
