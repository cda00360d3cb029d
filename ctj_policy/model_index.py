"""The index behind :meth:`Deployment.resolve <ctj_policy.model.Deployment.resolve>`.  Standard library only.

``resolve`` answers "which target group does this listener rule forward to",
"which secret does this ``valueFrom`` name": once per listener rule, per
container, per diagram edge.  Scanning the candidates each time made a
Markdown report of a plan with 3,000 target-group rules cost twice the text
one; here one pass over a list of candidates builds its index (values of the
looked-up attributes, addresses, block addresses), reused while valid:

* the same list object (held by the index, so its ``id`` stays its own);
* no resource attribute set and no :class:`~ctj_policy.model.ResourceList`
  changed since (:func:`~ctj_policy.model.generation`);
* a plain ``list`` (one a caller assigned) cannot report its changes: it also
  keeps the identities of its elements, compared on each use.

The answers are exactly the scan's: the first candidate in list order whose
attribute (in ``attrs`` order) equals a literal; every candidate a Ref names;
an Unknown when a literal matches none and some candidate's id is not known.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

from .model import UNRESOLVED, Ref, ResourceList, Template, Unknown, generation, is_known, strip_index


class CandidateIndex:
    __slots__ = ("candidates", "snapshot", "generation", "by_value", "by_address", "by_base", "any_unknown")

    def __init__(self, candidates: list, attrs: tuple[str, ...]):
        self.candidates = candidates
        self.snapshot = None if isinstance(candidates, ResourceList) else tuple(candidates)
        self.generation = generation()
        self.by_value: dict[str, int] = {}  # attribute value -> first position holding it
        self.by_address: dict[str, list[int]] = {}
        self.by_base: dict[str, list[int]] = {}  # address without its instance key -> positions
        unknown = False
        for i, res in enumerate(candidates):
            for attr in attrs:
                own = getattr(res, attr, None)
                if isinstance(own, str):
                    self.by_value.setdefault(own, i)
                elif not is_known(own):
                    unknown = True
            address = getattr(res, "address", None)
            if isinstance(address, str):
                self.by_address.setdefault(address, []).append(i)
                self.by_base.setdefault(strip_index(address), []).append(i)
        self.any_unknown = unknown

    def valid_for(self, candidates: list) -> bool:
        if self.candidates is not candidates or self.generation != generation():
            return False
        snap = self.snapshot
        return snap is None or (len(snap) == len(candidates) and all(map(operator.is_, snap, candidates)))

    def ref_positions(self, ref: Ref) -> list[int]:
        """Positions of the candidates ``ref`` names (``model.ref_matches``): a ref without an instance key
        names every instance of its block; one with a key names that instance and an unkeyed block."""
        base = strip_index(ref.address)
        if base == ref.address:
            return self.by_base.get(base, [])
        return sorted(set(self.by_address.get(ref.address, ())) | set(self.by_address.get(base, ())))


def index_for(cache: dict, candidates: Iterable, attrs: tuple[str, ...]) -> CandidateIndex:
    if not isinstance(candidates, list):  # a generator or another iterable: used once, not kept
        return CandidateIndex(list(candidates), attrs)
    key = (id(candidates), attrs)
    found = cache.get(key)
    if found is None or not found.valid_for(candidates):
        found = cache[key] = CandidateIndex(candidates, attrs)
    return found


def resolve(cache: dict, value: Any, candidates: Iterable, attrs: tuple[str, ...]) -> Any:
    """``Deployment.resolve``: the resource, None when ``value`` points at none of ``candidates``, or an Unknown."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Template):
        return Unknown(UNRESOLVED, value.describe())
    index = index_for(cache, candidates, tuple(attrs))
    cands = index.candidates
    if isinstance(value, Ref):
        matches = [cands[i] for i in index.ref_positions(value)]
        if len(matches) > 1:
            # `aws_lb_target_group.this` (no key) among this["api"], this["web"]:
            # which instance depends on values the plan does not show
            return Unknown(UNRESOLVED, value.describe(), f"it may be any of {', '.join(r.address for r in matches)}")
        return matches[0] if matches else None
    if value is None:
        return None
    try:
        position = index.by_value.get(value)
    except TypeError:  # an unhashable value (a list, a dict) equals no string
        position = None
    if position is not None:
        return cands[position]
    # a literal id we cannot match: if any candidate's id is not known, we
    # cannot tell whether it is that one
    if index.any_unknown:
        return Unknown(UNRESOLVED, str(value), "the referenced resource's id is known only after apply")
    return None
