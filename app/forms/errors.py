"""Definition errors as a list a person can read, each pointing at what caused it."""

from __future__ import annotations

from dataclasses import dataclass

from builder.i18n import translate


@dataclass
class Problem:
    path: str  # e.g. "fields.2.choices", for programs (API, designer)
    where: str  # e.g. "item 3「年齢」 › min", for people
    message: str


def _describe(document, path: list, item_word: str) -> str:
    parts, node = [], document
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else {}
            label = node.get("label") if isinstance(node, dict) else ""
            parts.append(f"{item_word} {part + 1}" + (f"「{label}」" if label else ""))
        else:
            node = node.get(part) if isinstance(node, dict) else None
            if part != "fields":
                parts.append(str(part))
    return " › ".join(parts)


def flatten(errors: dict, document, gettext, item_word: str) -> list[Problem]:
    """Walk a DefinitionError tree; *item_word* is the translated word for "item"."""
    problems: list[Problem] = []

    def walk(node, path: list):
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, path if key == "_schema" else path + [key])
        elif isinstance(node, list):
            for message in node:
                if isinstance(message, (dict, list)):
                    walk(message, path)
                else:
                    problems.append(
                        Problem(
                            ".".join(str(p) for p in path),
                            _describe(document, path, item_word),
                            translate(message, gettext),
                        )
                    )

    walk(errors, [])
    return problems
