"""Cached analysis: the response frame, the weighting and the published
indicator tables, each kept per (survey, weighting set-up, data version).

Keys are fingerprints of everything a result depends on, read from the database
on every use (a few cheap queries), so several processes never serve a result
for data or a set-up they have not seen:

* data: survey id, ``Survey.data_version`` (raised with every change to a
  complete response, see ``models.analysis_cache``), questionnaire version,
  the layer's districts and population figures;
* weighting: the data key, the set-up as edited and as in force, ``draft``;
* indicator tables: the weighting key, the publication rules in force and the
  indicators asked for.

Each process keeps the latest frames and weighted designs in memory (they are
large and cheap to rebuild from the data); indicator tables and the weights per
response are also stored in ``analysis_cache_entry`` (signed with the app's
secret key), so another process serves them without estimating again. Entries
of an older state are deleted when a newer one is stored.

The diagnosis of an edited, not yet confirmed set-up (kind ``draft``) is kept
beside the weighting in force: storing one replaces only the survey's other
drafts, and storing a result of the weighting in force leaves drafts alone.
"""

from __future__ import annotations

import copyreg
import hashlib
import hmac
import json
import pickle
import threading
import types
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    AnalysisCacheEntry,
    District,
    PopulationFigure,
    Survey,
    local_today,
)

T = TypeVar("T")


def _mapping_proxy(items: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(items)


# Weight diagnostics and margins are read-only mappings; pickle (the stored
# weighting state) keeps them read-only.
copyreg.pickle(types.MappingProxyType, lambda m: (_mapping_proxy, (dict(m),)))

#: How often each kind of result was computed in this process (tests and
#: benchmarks read it; a cache hit does not count).
COMPUTED: Counter[str] = Counter()

_MEMORY: OrderedDict[tuple[str, str], Any] = OrderedDict()
_MEMORY_LIMITS = {"frame": 2, "state": 4, "weighting": 4, "draft": 2, "findings": 512}
#: Kinds stored beside the weighting in force rather than in its place.
SIDE_KINDS = ("draft",)
_LOCK = threading.Lock()


def _digest(parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def data_key(survey: Survey) -> str:
    """Fingerprint of the survey's analysable data, read fresh from the DB."""
    version = db.session.execute(
        select(Survey.data_version).where(Survey.id == survey.id)
    ).scalar_one()
    layer: tuple[Any, ...] = ()
    if survey.district_layer_id is not None:
        districts = db.session.execute(
            select(
                func.count(District.id),
                func.max(District.id),
                func.max(func.length(District.name)),
            ).where(District.layer_id == survey.district_layer_id)
        ).one()
        figures = db.session.execute(
            select(
                func.count(PopulationFigure.id),
                func.max(PopulationFigure.id),
                func.sum(PopulationFigure.count),
            )
            .join(District, PopulationFigure.district_id == District.id)
            .where(District.layer_id == survey.district_layer_id)
        ).one()
        layer = (*districts, *figures)
    return _digest(
        [
            db.engine.url.render_as_string(hide_password=True),
            survey.id,
            int(version or 0),
            survey.questionnaire_version_id,
            survey.district_layer_id,
            [str(v) for v in layer],
            local_today().isoformat(),  # the frame's extraction date
        ]
    )


def state_key(data: str, setup: Any) -> str:
    """Fingerprint of a weighting: the data key and the set-up's fields."""
    return _digest([data, setup])


def memoized(kind: str, key: str, compute: Callable[[], T]) -> T:
    """The in-process result of ``kind`` for ``key``, computed once."""
    found = recall(kind, key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    COMPUTED[kind] += 1
    remember(kind, key, value)
    return value


def recall(kind: str, key: str) -> Any:
    """The in-process result of ``kind`` for ``key``; None if there is none."""
    with _LOCK:
        if (kind, key) in _MEMORY:
            _MEMORY.move_to_end((kind, key))
            return _MEMORY[(kind, key)]
    return None


def remember(kind: str, key: str, value: Any) -> None:
    """Keep a result in this process (the latest few of each kind)."""
    with _LOCK:
        _MEMORY[(kind, key)] = value
        _MEMORY.move_to_end((kind, key))
        same = [k for k in _MEMORY if k[0] == kind]
        for old in same[: max(0, len(same) - _MEMORY_LIMITS.get(kind, 8))]:
            del _MEMORY[old]


def stored(
    kind: str,
    survey_id: int,
    state_key: str,
    parts: Sequence[Any],
    compute: Callable[[], T],
    *,
    store: bool = True,
) -> T:
    """A result kept in memory and in ``analysis_cache_entry``: from memory, else
    from the table (another process computed it), else computed and stored.

    ``store=False`` (a result of an earlier state, shown while the current one
    is computed) computes a missing result without storing it: storing would
    delete the newer state's entries."""
    found = peek(kind, survey_id, state_key, parts)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    COMPUTED[kind] += 1
    if store:
        put(kind, survey_id, state_key, parts, value)
    else:
        remember(kind, _digest([kind, state_key, *parts]), value)
    return value


def peek(kind: str, survey_id: int, state_key: str, parts: Sequence[Any]) -> Any:
    """The stored result from memory or the table; None if there is none."""
    return _fetch(kind, survey_id, _digest([kind, state_key, *parts]))


def _fetch(kind: str, survey_id: int, key: str) -> Any:
    """The entry from memory, else its verified value from the table (then kept
    in memory); None if there is none."""
    found = recall(kind, key)
    if found is not None:
        return found
    payload = db.session.execute(
        select(AnalysisCacheEntry.payload).where(
            AnalysisCacheEntry.survey_id == survey_id,
            AnalysisCacheEntry.key == key,
        )
    ).scalar_one_or_none()
    value = _load(payload) if payload is not None else None
    if value is not None:
        remember(kind, key, value)
    return value


def is_stored(kind: str, survey_id: int, state_key: str, parts: Sequence[Any]) -> bool:
    """Whether the table holds the result (without reading it)."""
    return which_stored(kind, survey_id, state_key, [parts])[0]


def which_stored(
    kind: str, survey_id: int, state_key: str, each: Sequence[Sequence[Any]]
) -> list[bool]:
    """For each ``parts`` of ``each``: whether the table holds that result (one
    query for all, without reading them)."""
    keys = [_digest([kind, state_key, *parts]) for parts in each]
    found = set(
        db.session.execute(
            select(AnalysisCacheEntry.key).where(
                AnalysisCacheEntry.survey_id == survey_id,
                AnalysisCacheEntry.key.in_(keys),
            )
        ).scalars()
    )
    return [key in found for key in keys]


def put(
    kind: str, survey_id: int, state_key: str, parts: Sequence[Any], value: Any
) -> None:
    """Keep the result in memory and store it, deleting the survey's entries of
    every other state."""
    put_each(kind, survey_id, state_key, [(parts, value)])


def put_each(
    kind: str,
    survey_id: int,
    state_key: str,
    items: Sequence[tuple[Sequence[Any], Any]],
) -> None:
    """``put`` for each (parts, value) of ``items``, in one transaction."""
    entries = [(_digest([kind, state_key, *parts]), value) for parts, value in items]
    if not _store(kind, survey_id, state_key, entries) and len(entries) > 1:
        for entry in entries:  # another process stored one of them first
            _store(kind, survey_id, state_key, [entry])
    for key, value in entries:
        remember(kind, key, value)


def newest(kind: str, survey_id: int) -> tuple[str, Any] | None:
    """The survey's most recently stored result of ``kind``, of whatever state,
    with its state key; None if there is none (or it does not verify)."""
    row = db.session.execute(
        select(AnalysisCacheEntry.key, AnalysisCacheEntry.state_key)
        .where(
            AnalysisCacheEntry.survey_id == survey_id, AnalysisCacheEntry.kind == kind
        )
        .order_by(AnalysisCacheEntry.created_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    key, found_state = row
    value = _fetch(kind, survey_id, key)
    return None if value is None else (found_state, value)


def _signature(body: bytes) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, body, hashlib.sha256).digest()


def _load(payload: bytes) -> Any:
    """The stored value, or None when its signature does not match (written
    with another secret key, or altered)."""
    signature, body = payload[:32], payload[32:]
    if not hmac.compare_digest(signature, _signature(body)):
        return None
    return pickle.loads(body)  # noqa: S301 - signed by this app


def _store(
    kind: str, survey_id: int, state_key: str, entries: Sequence[tuple[str, Any]]
) -> bool:
    """Store the entries (key, value), deleting the survey's entries of every
    other state; False if one of them was stored already (by another
    process), and then none is."""
    if kind in SIDE_KINDS:
        same_place = AnalysisCacheEntry.kind == kind
    else:
        same_place = AnalysisCacheEntry.kind.not_in(SIDE_KINDS)
    try:
        db.session.execute(
            delete(AnalysisCacheEntry).where(
                AnalysisCacheEntry.survey_id == survey_id,
                AnalysisCacheEntry.state_key != state_key,
                same_place,
            )
        )
        for key, value in entries:
            body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            db.session.add(
                AnalysisCacheEntry(
                    survey_id=survey_id,
                    key=key,
                    state_key=state_key,
                    kind=kind,
                    payload=_signature(body) + body,
                )
            )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def weights_of(state_key: str, survey_id: int, compute: Callable[[], Any]) -> Any:
    """The weight per response (float array in frame order), stored."""
    return stored("weights", survey_id, state_key, [], lambda: np.asarray(compute()))


def clear_memory() -> None:
    """Forget this process's results (tests, benchmarks: a cold start)."""
    with _LOCK:
        _MEMORY.clear()
