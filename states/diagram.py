"""Mermaid drawings of a lifecycle, made from the same data the machine is built from."""

from __future__ import annotations

from states.definition import RETURN, Lifecycle, Tag

ANY_ACTIVE = "any_active"


def mermaid(lifecycle: Lifecycle) -> str:
    """A stateDiagram-v2; triggers open to every active stage are drawn once from 'any active stage'."""
    active = set(lifecycle.tagged(Tag.ACTIVE))
    lines = ["stateDiagram-v2", f"    [*] --> {lifecycle.initial}"]
    for s in lifecycle.states:
        lines.append(f'    state "{s.label}" as {s.name}')
    uses_any = False
    for t in lifecycle.transitions:
        sources = list(t.sources)
        if active and active <= set(sources):
            uses_any = True
            sources = [ANY_ACTIVE] + [x for x in sources if x not in active]
        for src in sources:
            if t.dest == RETURN:
                lines.append(f"    {src} --> {ANY_ACTIVE}: {t.trigger} (back to the stage it left)")
                uses_any = True
            else:
                lines.append(f"    {src} --> {t.dest or src}: {t.trigger}")
    if uses_any:
        lines.insert(2, f'    state "any active stage" as {ANY_ACTIVE}')
    for name in lifecycle.tagged(Tag.TERMINAL):
        lines.append(f"    {name} --> [*]")
    return "\n".join(lines) + "\n"
