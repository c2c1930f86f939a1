"""A fictional town: Wrenfield, its four localities, their streets and postcode districts.

Postcodes are in the ZZ area (ZZ1-ZZ4), which no real address uses, so a demo record can
never be mistaken for, or matched against, a real household.
"""
from __future__ import annotations

from dataclasses import dataclass

TOWN = "Wrenfield"


@dataclass(frozen=True)
class Locality:
    name: str
    weight: float  # share of the council's children
    district: str  # postcode outward code
    neighbourhoods: tuple[str, ...]
    streets: tuple[str, ...]


LOCALITIES: tuple[Locality, ...] = (
    Locality("North", 30, "ZZ1", ("Moorside", "Highfield", "Northgate", "Cragg Vale End"),
             ("Heathfield Road", "Moorside Avenue", "Kestrel Close", "Bracken Way",
              "Upper Mill Lane", "Larch Grove", "Fellside Drive", "Curlew Court",
              "Beacon Terrace", "Whinberry Street")),
    Locality("West", 20, "ZZ2", ("Westbrook", "Canal Side", "Hollins Cross"),
             ("Canal Street", "Westbrook Road", "Willow Crescent", "Orchard Lane",
              "Foundry Walk", "Weavers Row", "Lockkeeper Way", "Sycamore Rise")),
    Locality("Central", 30, "ZZ3", ("Town Centre", "Victoria Park", "Albion"),
             ("Market Street", "Station Road", "Victoria Terrace", "Albion Street",
              "Chapel Yard", "Union Place", "Queens Walk", "Corn Exchange Court",
              "Tanner Street", "Printworks Lane")),
    Locality("South East", 20, "ZZ4", ("Eastfield", "Meadowbank", "Riverside"),
             ("Meadowbank Road", "Hop Garden Lane", "Riverside Close", "Kingfisher Drive",
              "Sandpit Lane", "Eastfield Avenue", "Ferry Road", "Brook Meadow")),
)

# Blocks of flats, for the occasional "Flat 4, ..." first line.
BLOCKS = ("Tennyson Court", "Wren House", "Millennium Point", "Coronation Buildings",
          "Harbour View", "Parkside Mansions")

# Inward-code letters: Royal Mail never uses C, I, K, M, O or V there.
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
