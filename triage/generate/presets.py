"""Sizes of synthetic Front Doors: one council, a region of ten, and a tiny one for tests.

Sized like an English council's Front Door: a council of about 63,000 children has about
60,000 contacts a year; a region is ten such councils on one service.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

COUNCIL_NAMES = ("Wrenfield", "Ashby Vale", "Brackenridge", "Castlemoor", "Dunmere", "Eastwold",
                 "Fernleigh", "Greyholm", "Hallowmere", "Ivybridge Downs", "Jessop Cross", "Kelsall",
                 "Longmarsh", "Morrow Heath", "Netherby", "Oakenshaw")


@dataclass(frozen=True)
class Preset:
    name: str
    councils: int
    contacts_per_year: int  # across all councils
    population: int  # children aged 0-17, across all councils
    workers_per_team: int  # social workers in each locality assessment team

    def scaled(self, contacts_per_year: int | None) -> Preset:
        """The same shape at another size: population and workforce follow the contact count."""
        if not contacts_per_year:
            return self
        factor = contacts_per_year / self.contacts_per_year
        return replace(self, contacts_per_year=contacts_per_year,
                       population=max(200, round(self.population * factor)),
                       workers_per_team=max(2, round(self.workers_per_team * min(1.0, factor))))


PRESETS: dict[str, Preset] = {
    "tiny": Preset("tiny", councils=1, contacts_per_year=1_500, population=1_600, workers_per_team=3),
    "council": Preset("council", councils=1, contacts_per_year=60_000, population=63_000, workers_per_team=24),
    "region": Preset("region", councils=10, contacts_per_year=600_000, population=630_000, workers_per_team=24),
}
