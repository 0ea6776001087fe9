"""A class asked for by index or by name, against the loaded weights' categories."""

from __future__ import annotations

from collections.abc import Sequence


def resolve_class(text: str, categories: Sequence[str]) -> int:
    """A class index, or a name: case-insensitive, exact first, else a unique prefix."""
    text = text.strip()
    if text.isdigit():
        if int(text) >= len(categories):
            raise ValueError(f"Class index {text} is out of range 0..{len(categories) - 1}.")
        return int(text)
    wanted = text.lower()
    names = [name.lower() for name in categories]
    exact = [index for index, name in enumerate(names) if name == wanted]
    if len(exact) == 1:
        return exact[0]
    if exact:
        indices = " and ".join(str(index) for index in exact)
        raise ValueError(f"{text!r} names classes {indices}; give the index instead.")
    prefixed = [index for index, name in enumerate(names) if name.startswith(wanted)]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        shown = ", ".join(categories[index] for index in prefixed[:5]) + (", ..." if len(prefixed) > 5 else "")
        raise ValueError(f"{text!r} could be any of {len(prefixed)} classes ({shown}); give more of the name or the index.")
    raise ValueError(f"No class is called {text!r} (nor starts so); give a class name or an index 0..{len(categories) - 1}.")
