"""Sectors, stages, regions and exchange rates: shipped as data files, replaceable."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from service.core.settings import get_settings


@dataclass(frozen=True, slots=True)
class CodeEntry:
    code: str
    name: str
    name_zh: str | None
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceData:
    sectors: tuple[CodeEntry, ...]
    stages: tuple[CodeEntry, ...]
    regions: tuple[CodeEntry, ...]
    cny_per_unit: dict[str, Decimal]
    sector_codes: frozenset[str] = field(init=False)
    stage_codes: frozenset[str] = field(init=False)
    region_codes: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sector_codes", frozenset(s.code for s in self.sectors))
        object.__setattr__(self, "stage_codes", frozenset(s.code for s in self.stages))
        object.__setattr__(self, "region_codes", frozenset(r.code for r in self.regions))

    @property
    def currencies(self) -> list[str]:
        return sorted(self.cny_per_unit)

    def in_stage_order(self, codes: list[str]) -> list[str]:
        """Codes sorted along the funding chain; unknown codes (a replaced taxonomy) last."""
        rank = {stage.code: index for index, stage in enumerate(self.stages)}
        return sorted(codes, key=lambda code: (rank.get(code, len(rank)), code))

    def related_sectors(self, code: str) -> set[str]:
        """The code itself, its ancestors and its descendants: every code that overlaps it."""
        related = {c for c in self.sector_codes if c == code or c.startswith(code + ".")}
        parts = code.split(".")
        related.update(".".join(parts[:i]) for i in range(1, len(parts)))
        return related


def _read_json(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def _entries(data: dict[str, Any], key: str, path: Path) -> tuple[CodeEntry, ...]:
    entries = []
    for item in data[key]:
        code = str(item["code"])
        parent = code.rsplit(".", 1)[0] if "." in code else None
        entries.append(
            CodeEntry(code=code, name=str(item["name"]), name_zh=item.get("name_zh"), parent=parent)
        )
    codes = [e.code for e in entries]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path}: duplicate codes")
    known = set(codes)
    orphans = [e.code for e in entries if e.parent is not None and e.parent not in known]
    if orphans:
        raise ValueError(f"{path}: codes without their parent: {orphans}")
    return tuple(entries)


def load_reference_data(
    *, sectors_file: Path, stages_file: Path, regions_file: Path, exchange_rates_file: Path
) -> ReferenceData:
    rates = _read_json(exchange_rates_file)["rates"]
    cny_per_unit = {str(code).upper(): Decimal(str(rate)) for code, rate in rates.items()}
    if cny_per_unit.get("CNY") != Decimal(1):
        raise ValueError(f"{exchange_rates_file}: CNY must have the rate 1")
    return ReferenceData(
        sectors=_entries(_read_json(sectors_file), "sectors", sectors_file),
        stages=_entries(_read_json(stages_file), "stages", stages_file),
        regions=_entries(_read_json(regions_file), "regions", regions_file),
        cny_per_unit=cny_per_unit,
    )


@lru_cache
def get_reference_data() -> ReferenceData:
    settings = get_settings()
    return load_reference_data(
        sectors_file=settings.sectors_file,
        stages_file=settings.stages_file,
        regions_file=settings.regions_file,
        exchange_rates_file=settings.exchange_rates_file,
    )
