"""What a write is asked for and what it answers: the vocabulary the writer, its
after-write effects and the service share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.core.cautions import Caution
from gateway.core.diff import FieldChange
from gateway.core.planner import BatchPlan
from gateway.core.record import PoolRecord
from gateway.errors import GatewayError
from gateway.service.history_rows import Author


@dataclass(frozen=True)
class Submission:
    """One caller's change: a patch, or (restore, copy) a function that computes the
    patch from the pool's fresh configuration under the lock, so it is never stale.
    ``confirmed``: the caller accepted HIGH-risk changes (``confirmHighRisk``)."""

    patch: dict[str, Any] | None = None
    towards: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    author: Author = field(default_factory=Author)
    confirmed: bool = False

    def patch_for(self, configuration: Mapping[str, Any]) -> dict[str, Any]:
        if self.towards is not None:
            return self.towards(configuration)
        return self.patch or {}


Submissions = Sequence[Submission]


@dataclass(frozen=True)
class UpdateResult:
    """The pool after the update (or as it would be, on a dry run) and what changed."""

    record: PoolRecord
    changes: list[FieldChange]
    dry_run: bool
    confirmed: bool = True  # False: written, but ``record`` is the plan, not a read-back
    cautions: tuple[Caution, ...] = ()  # accepted, but sign-in will fail: say so


Outcomes = list[UpdateResult | BaseException]  # one per patch of a batch, in order


def results(
    record: PoolRecord, batch: BatchPlan, dry_run: bool, confirmed: bool = True
) -> Outcomes:
    return [
        outcome
        if isinstance(outcome, GatewayError)
        else UpdateResult(
            record, outcome, dry_run=dry_run, confirmed=confirmed, cautions=batch.plan.cautions
        )
        for outcome in batch.outcomes
    ]
