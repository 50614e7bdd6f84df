"""The time zones a person may choose: canonical names only.

The tz database keeps old names as links for compatibility (``America/Atka``,
``Africa/Timbuktu``, ``US/Pacific``...): still valid for reading stored values, but not
to offer. ``zone.tab`` lists the canonical zone of each place (one or more per country),
from the ``tzdata`` package, else the system's tz database; the fixed offsets
(``Etc/GMT-14`` ... ``Etc/GMT+12``, POSIX signs) follow, for places with no zone of
their own (the sea, Antarctic stations).
"""

import functools
import zoneinfo
from importlib import resources
from pathlib import Path

SYSTEM_ZONE_TAB = Path("/usr/share/zoneinfo/zone.tab")


def _zone_tab():
    try:
        return resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return SYSTEM_ZONE_TAB.read_text(encoding="utf-8")


@functools.cache
def canonical_zones():
    """Canonical zone names, sorted, with UTC first; only those this machine can load."""
    names = set()
    for line in _zone_tab().splitlines():
        if line and not line.startswith("#"):
            names.add(line.split("\t")[2])
    available = zoneinfo.available_timezones()
    offsets = [f"Etc/GMT{hours:+d}" for hours in range(-14, 13) if hours]
    return ["UTC", *sorted(name for name in names if name in available), *(o for o in offsets if o in available)]
