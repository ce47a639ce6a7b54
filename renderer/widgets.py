"""Template helpers for rendering form fields accessibly."""


def aria(field, hint: str = "") -> dict:
    """aria-describedby (help, error) and aria-invalid attributes for a bound field."""
    ids = []
    if field.description or hint:
        ids.append(f"{field.id}-help")
    if field.errors:
        ids.append(f"{field.id}-error")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs
