"""One transitions.Machine per lifecycle, built once from the data; records are bound per change."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, cast

from transitions import EventData, Machine, MachineError

from states.definition import RETURN, Facts, Lifecycle, Tag, TransitionDef, check
from states.reasons import Act, Reason, Stage


class NotAllowedHere(Exception):
    """The trigger does not exist from the record's current state; reason says so in any language."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason


# A record bound twice (a replay walks one binding through its whole trail) already carries the trigger methods
# of its first binding; transitions then logs a warning per trigger and skips them, as wanted. Under a logging
# set-up that renders every record (Prefect's, once imported), that noise cost minutes: it is silenced here.
logging.getLogger("transitions.core").setLevel(logging.ERROR)


@dataclass
class Binding:
    """The record as the machine sees it, for the length of one change."""

    state: str
    paused_from: str | None = None
    facts: Facts | None = None
    refusals: list[Reason] = field(default_factory=list)


def _guards_pass(transition: TransitionDef, event: EventData) -> bool:
    """Run the declared guards; a binding without facts is a replay and skips them."""
    binding = cast(Binding, event.model)
    if binding.facts is None:
        return True
    binding.refusals = check(transition, binding.facts)
    return not binding.refusals


def _returns_to(dest: str, event: EventData) -> bool:
    """A resume goes only to the state the record was paused from."""
    binding = cast(Binding, event.model)
    return binding.paused_from == dest


def _pause_keeper(paused: frozenset[str]) -> Any:
    """A callback that keeps where a paused record came from, and forgets it on leaving the pause."""

    def remember(event: EventData) -> None:
        binding = cast(Binding, event.model)
        if event.transition is None or event.transition.dest is None:
            return
        if event.transition.dest in paused:
            binding.paused_from = event.transition.source
        elif event.transition.source in paused:
            binding.paused_from = None

    return remember


class LifecycleMachine:
    """A lifecycle's single transitions.Machine, and the one way to move a record through it."""

    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle
        self._lock = threading.Lock()
        resumable = [s.name for s in lifecycle.states if Tag.PAUSED not in s.tags and Tag.TERMINAL not in s.tags]
        specs: list[dict[str, Any]] = []
        for t in lifecycle.transitions:
            guards = _bind(_guards_pass, t)
            if t.dest == RETURN:
                specs += [
                    {
                        "trigger": t.trigger,
                        "source": list(t.sources),
                        "dest": d,
                        "conditions": [_bind(_returns_to, d), guards],
                    }
                    for d in resumable
                ]
            else:
                specs.append(
                    {
                        "trigger": t.trigger,
                        "source": list(t.sources),
                        "dest": t.dest,
                        "conditions": [guards],
                    }
                )
        self.machine = Machine(
            model=None,
            states=[s.name for s in lifecycle.states],
            transitions=specs,
            initial=lifecycle.initial,
            auto_transitions=False,
            send_event=True,
            after_state_change=[_pause_keeper(frozenset(lifecycle.tagged(Tag.PAUSED)))],
        )

    def fire(self, binding: Binding, trigger: str) -> bool:
        """Pull trigger on binding; False when a guard refused (reasons in binding.refusals)."""
        if trigger not in self.machine.events:
            raise NotAllowedHere(Reason("no_such_act", "'{act}' is not a trigger of this journey.", act=trigger))
        with self._lock:
            self.machine.add_model(binding, initial=binding.state)
        try:
            return bool(self.machine.events[trigger].trigger(binding))
        except MachineError as exc:
            raise NotAllowedHere(self.not_here(trigger, binding.state)) from exc
        finally:
            with self._lock:
                self.machine.remove_model(binding)

    def not_here(self, trigger: str, state: str) -> Reason:
        """Why trigger cannot be pulled from state: the stage does not offer it."""
        t, where = self.lifecycle.transition(trigger), self.lifecycle.state(state)
        return Reason(
            "not_in_stage",
            "{act} is not possible while the {lifecycle} is {stage}.",
            act=Act(t.trigger, t.label),
            stage=Stage(where.name, where.label),
            lifecycle=self.lifecycle.name,
        )

    def step(self, state: str, trigger: str) -> str:
        """The state a record with no guards to satisfy reaches (for the small lifecycles)."""
        binding = Binding(state=state)
        self.fire(binding, trigger)
        return binding.state


def _bind(func: Any, arg: Any) -> Any:
    """A condition callable with its first argument fixed (transitions passes only the event)."""

    def condition(event: EventData) -> bool:
        return bool(func(arg, event))

    return condition
