"""Named registries, in the spirit of spaCy's: components chosen by name from settings.

A registry maps a name to a factory. Built-in components register themselves where they
are defined; a new transcript format, ASR engine, embedder, clusterer, labeller or
analysis is one new module that calls ``REGISTRY.register("name")``::

    from callinsight.registry import analyses

    @analyses.register("talk_time")
    def talk_time(ctx): ...

Looking up an unknown name raises an error that lists what is registered, so a typo in a
settings file says what to write instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class RegistryError(KeyError):
    """An unknown or duplicate name; the message says what is registered."""

    def __str__(self) -> str:  # KeyError would print the message with quotes
        return str(self.args[0]) if self.args else ""


class Registry(Generic[T]):
    """Name -> component. ``register`` is a decorator; ``get`` looks a name up."""

    def __init__(self, kind: str, setting: str | None = None):
        self.kind = kind
        self.setting = setting  # the setting that chooses from this registry, for messages
        self._items: dict[str, T] = {}

    def register(self, name: str, *, replace: bool = False) -> Callable[[T], T]:
        def decorate(item: T) -> T:
            if name in self._items and not replace and self._items[name] is not item:
                raise RegistryError(f"A {self.kind} named {name!r} is already registered; "
                                    "pass replace=True to override it.")
            self._items[name] = item
            return item
        return decorate

    def add(self, name: str, item: T, *, replace: bool = False) -> T:
        return self.register(name, replace=replace)(item)

    def unregister(self, name: str) -> None:
        self._items.pop(name, None)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            where = f" (setting `{self.setting}`)" if self.setting else ""
            known = ", ".join(sorted(self._items)) or "none"
            raise RegistryError(f"Unknown {self.kind} {name!r}{where}. Registered: {known}.") from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def names(self) -> list[str]:
        return list(self._items)


# The project's registries. Components register where they are defined; importing the
# module that defines them (done by the stage that uses the registry) fills the registry.
readers: Registry = Registry("transcript reader")
asr_engines: Registry = Registry("ASR engine", setting="asr_engine")
diarizers: Registry = Registry("diarizer", setting="diarizer")
embedders: Registry = Registry("embedder", setting="embedding_backend")
clusterers: Registry = Registry("clusterer", setting="clusterer")
labellers: Registry = Registry("labeller", setting="labeller")
analyses: Registry = Registry("analysis", setting="analyses")


def load_plugins(modules: tuple[str, ...] | list[str]) -> None:
    """Import the modules named by the ``plugins`` setting, so their components register.

    A plugin is any importable module (``my_team.callinsight_ext``) that registers readers,
    engines, embedders, clusterers, labellers or analyses at import time.
    """
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise RegistryError(f"Could not import plugin module {name!r} (setting `plugins`): {exc}. "
                                "Install it in this environment or fix the name.") from exc
