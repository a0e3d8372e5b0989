"""Sectors, stages, regions, exchange rates and the names of every code: shipped as data
files, replaceable. Wherever a code is taken, its Chinese or English name is taken too."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from service.core.settings import REFERENCE_DATA_DIR, get_settings

CodeKind = Literal["sector", "stage", "region", "currency", "investor_kind", "origin"]
Language = Literal["zh", "en"]
LABELS_FILE = REFERENCE_DATA_DIR / "labels.json"


@dataclass(frozen=True, slots=True)
class CodeEntry:
    code: str
    name: str
    name_zh: str | None
    parent: str | None = None
    # How an amount is written in Chinese (currencies only): 元, 美元.
    unit_zh: str | None = None

    def name_in(self, language: Language) -> str:
        if language == "zh" and self.name_zh:
            return self.name_zh
        return self.name


def spelling_key(value: str) -> str:
    """What two spellings of one name share: full-width forms folded (ＡＩ, （）), case
    folded, runs of spaces made one."""
    folded = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(folded.split())


@dataclass(frozen=True, slots=True)
class ReferenceData:
    sectors: tuple[CodeEntry, ...]
    stages: tuple[CodeEntry, ...]
    regions: tuple[CodeEntry, ...]
    cny_per_unit: dict[str, Decimal]
    investor_kinds: tuple[CodeEntry, ...] = ()
    origins: tuple[CodeEntry, ...] = ()
    currency_labels: tuple[CodeEntry, ...] = ()
    sector_codes: frozenset[str] = field(init=False)
    stage_codes: frozenset[str] = field(init=False)
    region_codes: frozenset[str] = field(init=False)
    _by_code: dict[CodeKind, dict[str, CodeEntry]] = field(init=False, repr=False)
    _by_spelling: dict[CodeKind, dict[str, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sector_codes", frozenset(s.code for s in self.sectors))
        object.__setattr__(self, "stage_codes", frozenset(s.code for s in self.stages))
        object.__setattr__(self, "region_codes", frozenset(r.code for r in self.regions))
        labelled = {c.code: c for c in self.currency_labels}
        # A currency the rates table adds without a label is still a code: named by itself.
        currencies = tuple(
            labelled.get(code, CodeEntry(code=code, name=code, name_zh=None))
            for code in sorted(self.cny_per_unit)
        )
        tables: dict[CodeKind, tuple[CodeEntry, ...]] = {
            "sector": self.sectors,
            "stage": self.stages,
            "region": self.regions,
            "currency": currencies,
            "investor_kind": self.investor_kinds,
            "origin": self.origins,
        }
        by_code = {kind: {e.code: e for e in entries} for kind, entries in tables.items()}
        by_spelling: dict[CodeKind, dict[str, str]] = {}
        for kind, entries in tables.items():
            spellings: dict[str, str] = {}
            for entry in entries:
                for spelling in (entry.code, entry.name, entry.name_zh):
                    if not spelling:
                        continue
                    key = spelling_key(spelling)
                    if spellings.setdefault(key, entry.code) != entry.code:
                        raise ValueError(
                            f"{kind} name {spelling!r} is shared by {spellings[key]} and "
                            f"{entry.code}: a name must say which code it means"
                        )
            by_spelling[kind] = spellings
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_spelling", by_spelling)

    def entries(self, kind: CodeKind) -> list[CodeEntry]:
        return list(self._by_code[kind].values())

    def resolve(self, kind: CodeKind, value: str) -> str | None:
        """The code that ``value`` spells: the code itself, or its English or Chinese
        name, in any case or width ("B轮", "Series B", "series_b" all give series_b);
        None when it names nothing."""
        if value in self._by_code[kind]:
            return value
        return self._by_spelling[kind].get(spelling_key(value))

    def name_of(self, kind: CodeKind, code: str, language: Language) -> str:
        """The code's name in ``language``; an unknown code (a replaced taxonomy) is its
        own name."""
        entry = self._by_code[kind].get(code)
        return code if entry is None else entry.name_in(language)

    def unit_zh(self, currency: str) -> str | None:
        entry = self._by_code["currency"].get(currency)
        return None if entry is None else entry.unit_zh

    @property
    def currencies(self) -> list[str]:
        return sorted(self.cny_per_unit)

    def in_stage_order(self, codes: list[str]) -> list[str]:
        """Codes sorted along the funding chain; unknown codes (a replaced taxonomy) last."""
        rank = {stage.code: index for index, stage in enumerate(self.stages)}
        return sorted(codes, key=lambda code: (rank.get(code, len(rank)), code))

    def in_listed_order(self, kind: CodeKind, codes: list[str]) -> list[str]:
        """Codes in the order the reference data lists them (the taxonomy's order: a sector
        beside its parent, stages along the funding chain); unknown codes last."""
        rank = {code: index for index, code in enumerate(self._by_code[kind])}
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
            CodeEntry(
                code=code,
                name=str(item["name"]),
                name_zh=item.get("name_zh"),
                parent=parent,
                unit_zh=item.get("unit_zh"),
            )
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
    *,
    sectors_file: Path,
    stages_file: Path,
    regions_file: Path,
    exchange_rates_file: Path,
    labels_file: Path = LABELS_FILE,
) -> ReferenceData:
    rates = _read_json(exchange_rates_file)["rates"]
    cny_per_unit = {str(code).upper(): Decimal(str(rate)) for code, rate in rates.items()}
    if cny_per_unit.get("CNY") != Decimal(1):
        raise ValueError(f"{exchange_rates_file}: CNY must have the rate 1")
    labels = _read_json(labels_file)
    return ReferenceData(
        sectors=_entries(_read_json(sectors_file), "sectors", sectors_file),
        stages=_entries(_read_json(stages_file), "stages", stages_file),
        regions=_entries(_read_json(regions_file), "regions", regions_file),
        cny_per_unit=cny_per_unit,
        investor_kinds=_entries(labels, "investor_kinds", labels_file),
        origins=_entries(labels, "origins", labels_file),
        currency_labels=_entries(labels, "currencies", labels_file),
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
