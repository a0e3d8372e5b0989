"""The foreign-investment negative lists as data: which list a request is read under (by its
region), and what each list's items prohibit or restrict, by taxonomy sector.

The file (``foreign_investment.json`` beside this module, or the deployment's own through
``MATCHMAKER_FOREIGN_INVESTMENT_FILE``) says which items were checked against a public source
and which are illustrative; nothing here adds legal text of its own.

A request's *compliance class* under its list follows from its sectors and region only: the
items whose sectors cover one of the request's sectors (an item's sector covers itself and its
children). Any prohibiting item makes the request closed to foreign investors; otherwise any
restricting item makes it restricted (a foreign investor matches, with a reason stating the
restriction).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from service.reference_data.catalog import Language, get_reference_data

DEFAULT_FILE = Path(__file__).parent / "foreign_investment.json"
FILE_VARIABLE = "MATCHMAKER_FOREIGN_INVESTMENT_FILE"
Measure = Literal["prohibited", "restricted"]
RESTRICTION_KINDS = frozenset(
    {"share_cap", "chinese_control", "joint_venture", "chinese_led", "ftz_pilot"}
)


@dataclass(frozen=True, slots=True)
class Restriction:
    """How an item restricts: ``kinds`` (share_cap, chinese_control, joint_venture,
    chinese_led, ftz_pilot), the first the main one, and the share cap when there is one."""

    kinds: tuple[str, ...]
    max_foreign_percent: int | None = None


@dataclass(frozen=True, slots=True)
class ListItem:
    id: str
    list_id: str
    title: dict[str, str]
    measure: Measure
    restriction: Restriction | None
    text: dict[str, str]
    quoted: str | None
    sectors: tuple[str, ...]
    illustrative: bool
    mapping_note: str = ""
    checked_against: tuple[str, ...] = ()

    def title_in(self, language: Language) -> str:
        return self.title.get(language) or self.title.get("en") or self.id

    def text_in(self, language: Language) -> str:
        return self.text.get(language) or self.text.get("en") or ""


@dataclass(frozen=True, slots=True)
class NegativeList:
    id: str
    name: dict[str, str]
    short_name: dict[str, str]
    edition: str
    source: dict[str, Any]
    items: tuple[ListItem, ...]

    def name_in(self, language: Language) -> str:
        return self.name.get(language) or self.name.get("en") or self.id

    def short_name_in(self, language: Language) -> str:
        return self.short_name.get(language) or self.name_in(language)


@dataclass(frozen=True, slots=True)
class Compliance:
    """A request's class under the list of its region: ``prohibited`` and ``restricted``
    hold the ids of the items that apply (prohibited wins: a request with a prohibiting
    item is closed whatever else applies)."""

    list_id: str
    prohibited: tuple[str, ...] = ()
    restricted: tuple[str, ...] = ()

    @property
    def is_prohibited(self) -> bool:
        return bool(self.prohibited)

    @property
    def is_restricted(self) -> bool:
        return not self.prohibited and bool(self.restricted)

    @property
    def affected(self) -> bool:
        return bool(self.prohibited or self.restricted)

    @property
    def outcome(self) -> str:
        """prohibited, restricted or open."""
        if self.prohibited:
            return "prohibited"
        return "restricted" if self.restricted else "open"


@dataclass(frozen=True)
class ForeignInvestmentRules:
    """The lists, the region -> list mapping and the default list."""

    lists: dict[str, NegativeList]
    default_list: str
    regions: dict[str, str]
    note: str = ""
    regions_note: str = ""
    path: str = ""
    _items: dict[str, ListItem] = field(init=False, repr=False)
    _cache: dict[tuple[tuple[str, ...], str | None], Compliance] = field(
        init=False, repr=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if self.default_list not in self.lists:
            raise ValueError(f"default_list {self.default_list!r} is not a list")
        unknown = sorted({i for i in self.regions.values() if i not in self.lists})
        if unknown:
            raise ValueError(f"regions name unknown lists: {unknown}")
        object.__setattr__(
            self, "_items", {item.id: item for nl in self.lists.values() for item in nl.items}
        )

    def item(self, item_id: str) -> ListItem | None:
        return self._items.get(item_id)

    def list_id_for(self, region: str | None) -> str:
        """The list a request in ``region`` is read under (the default list without one)."""
        if region is None:
            return self.default_list
        return self.regions.get(region, self.default_list)

    def list_for(self, region: str | None) -> NegativeList:
        return self.lists[self.list_id_for(region)]

    def classify(self, sectors: Sequence[str], region: str | None) -> Compliance:
        """The compliance class of a request filed under ``sectors`` in ``region``."""
        key = (tuple(sectors), region)
        found = self._cache.get(key)
        if found is not None:
            return found
        negative_list = self.list_for(region)
        prohibited: list[str] = []
        restricted: list[str] = []
        for item in negative_list.items:
            if any(_covers(code, sector) for code in item.sectors for sector in sectors):
                (prohibited if item.measure == "prohibited" else restricted).append(item.id)
        found = Compliance(negative_list.id, tuple(prohibited), tuple(restricted))
        if len(self._cache) < 65_536:
            self._cache[key] = found
        return found

    def regions_of(self, list_id: str) -> list[str]:
        """The region codes explicitly read under ``list_id``."""
        return sorted(region for region, name in self.regions.items() if name == list_id)


def _covers(item_sector: str, request_sector: str) -> bool:
    return request_sector == item_sector or request_sector.startswith(item_sector + ".")


def _restriction(raw: dict[str, Any] | None, where: str) -> Restriction | None:
    if raw is None:
        return None
    kinds = (str(raw["kind"]), *(str(k) for k in raw.get("also", ())))
    unknown = sorted(set(kinds) - RESTRICTION_KINDS)
    if unknown:
        raise ValueError(f"{where}: unknown restriction kinds {unknown}")
    cap = raw.get("max_foreign_percent")
    if "share_cap" in kinds and cap is None:
        raise ValueError(f"{where}: a share cap needs max_foreign_percent")
    return Restriction(kinds=kinds, max_foreign_percent=None if cap is None else int(cap))


def _item(raw: dict[str, Any], list_id: str, sector_codes: Iterable[str]) -> ListItem:
    where = f"{list_id}/{raw.get('id')}"
    measure = raw["measure"]
    if measure not in ("prohibited", "restricted"):
        raise ValueError(f"{where}: measure must be prohibited or restricted")
    restriction = _restriction(raw.get("restriction"), where)
    if measure == "restricted" and restriction is None:
        raise ValueError(f"{where}: a restricting item must say how it restricts")
    known = set(sector_codes)
    sectors = tuple(raw.get("sectors", ()))
    unknown = sorted(set(sectors) - known)
    if unknown:
        raise ValueError(f"{where}: sectors not in the taxonomy: {unknown}")
    illustrative = raw.get("illustrative")
    if not isinstance(illustrative, bool):
        raise ValueError(f"{where}: every item must say whether it is illustrative")
    if not illustrative and not raw.get("checked_against"):
        raise ValueError(f"{where}: an item that is not illustrative names its source")
    return ListItem(
        id=str(raw["id"]),
        list_id=list_id,
        title=dict(raw["title"]),
        measure=measure,
        restriction=restriction,
        text=dict(raw["text"]),
        quoted=raw.get("quoted"),
        sectors=sectors,
        illustrative=illustrative,
        mapping_note=str(raw.get("mapping_note", "")),
        checked_against=tuple(raw.get("checked_against", ())),
    )


def load_foreign_investment_rules(
    path: Path, sector_codes: Iterable[str] | None = None
) -> ForeignInvestmentRules:
    """The rules of one file, checked: known sectors and lists, every item flagged."""
    data = json.loads(path.read_text(encoding="utf-8"))
    codes = list(get_reference_data().sector_codes if sector_codes is None else sector_codes)
    lists = {}
    for raw in data["lists"]:
        list_id = str(raw["id"])
        lists[list_id] = NegativeList(
            id=list_id,
            name=dict(raw["name"]),
            short_name=dict(raw.get("short_name", raw["name"])),
            edition=str(raw["edition"]),
            source=dict(raw["source"]),
            items=tuple(_item(item, list_id, codes) for item in raw["items"]),
        )
    return ForeignInvestmentRules(
        lists=lists,
        default_list=str(data["default_list"]),
        regions={str(k): str(v) for k, v in data.get("regions", {}).items()},
        note=str(data.get("note", "")),
        regions_note=str(data.get("regions_note", "")),
        path=str(path),
    )


@lru_cache
def _configured_rules() -> ForeignInvestmentRules:
    return load_foreign_investment_rules(Path(os.environ.get(FILE_VARIABLE) or DEFAULT_FILE))


_replacement: list[ForeignInvestmentRules] = []


def current_rules() -> ForeignInvestmentRules:
    """The rules in force: the configured file's, read once, unless replaced."""
    return _replacement[-1] if _replacement else _configured_rules()


def replace_rules(rules: ForeignInvestmentRules | None) -> None:
    """Put other rules in force (None: back to the configured file's). Rankings pick the
    change up at once: what is derived from the rules is kept per rules object."""
    _replacement.clear()
    if rules is not None:
        _replacement.append(rules)
