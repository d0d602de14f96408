"""The compact value store: the same answers in memory, spilled to disk, or pickled."""
from __future__ import annotations

import pickle

from harvest.cellstore import CellStore, CellValue, Spill


def _store(catalogue) -> CellStore:
    store = CellStore(catalogue.form("PL1"))
    store.put(("PL1.1", "2015"), 12, 12.0, "D10")
    store.put(("PL1.6.c", "2019"), 87.5, "87,5", "H23")
    store.put(("PL1.6.b", "2018"), None, "1,250", "G22")
    store.put(("PL1.4", "2016"), 3, 3.0, "E19")       # a row found one lower (moved)
    return store


def _view(store: CellStore):
    return (dict(store), store.usable(), store.unusable(), list(store.filled()), len(store))


def test_reads(catalogue):
    store = _store(catalogue)
    assert store[("PL1.1", "2015")] == CellValue(12, 12, "D10")
    assert store[("PL1.6.c", "2019")] == CellValue(87.5, "87,5", "H23")
    assert store[("PL1.6.b", "2018")] == CellValue(None, "1,250", "G22")
    assert store[("PL1.4", "2016")].cell == "E19"
    assert ("PL1.2", "2015") not in store and len(store) == 4
    assert store.usable() == {("PL1.1", "2015"): 12, ("PL1.4", "2016"): 3, ("PL1.6.c", "2019"): 87.5}
    assert store.unusable() == {("PL1.6.b", "2018")}


def test_spilled_and_pickled_stores_read_the_same(catalogue):
    before = _view(_store(catalogue))
    spill = Spill()
    stores = [_store(catalogue) for _ in range(3)]
    for s in stores:
        s.spill_to(spill)
    assert all(_view(s) == before for s in stores)
    assert _view(pickle.loads(pickle.dumps(stores[1]))) == before
    assert _view(pickle.loads(pickle.dumps(_store(catalogue)))) == before
