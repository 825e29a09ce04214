"""The README shows the machine as it is defined; a drift between the two fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from states import CITY_JOURNEY, REPORT_LIFECYCLE, TRANCHE_LIFECYCLE, Lifecycle
from states.diagram import mermaid

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("lifecycle", [CITY_JOURNEY, REPORT_LIFECYCLE, TRANCHE_LIFECYCLE], ids=lambda x: x.name)
def test_readme_embeds_the_diagram_of_the_definition(lifecycle: Lifecycle) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(
        rf"<!-- diagram:{lifecycle.name} -->\n```mermaid\n(.*?)```\n<!-- /diagram:{lifecycle.name} -->", text, re.S
    )
    assert block, f"README.md has no diagram:{lifecycle.name} block"
    assert block.group(1) == mermaid(lifecycle), "README diagram is stale: paste `jalon diagram` output"


def test_the_diagram_names_every_trigger_and_every_state() -> None:
    drawn = mermaid(CITY_JOURNEY)
    for t in CITY_JOURNEY.transitions:
        assert f": {t.trigger}" in drawn
    for s in CITY_JOURNEY.states:
        assert f'state "{s.label}" as {s.name}' in drawn
    assert "paused --> any_active: resume (back to the stage it left)" in drawn
