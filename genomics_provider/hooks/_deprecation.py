"""Old hook method names kept as thin aliases that warn, so a rename never breaks a user's DAG."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar, cast

__all__ = ["deprecated_alias"]

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")


def deprecated_alias(new: Callable[Concatenate[S, P], R], old_name: str) -> Callable[Concatenate[S, P], R]:
    """Make a method under an old name that warns with ``DeprecationWarning`` and calls the new one.

    The new method is looked up on the instance at each call, so a subclass's override or a test's patch of it is
    what runs.

    :param new: The method under its new name.
    :param old_name: The old name.
    :return: The alias, to assign to ``old_name`` in the class body.
    """
    new_name = new.__name__

    @functools.wraps(new)
    def alias(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        warnings.warn(
            f"{type(self).__name__}.{old_name} is deprecated; use {new_name} instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return cast(R, getattr(self, new_name)(*args, **kwargs))

    alias.__name__ = old_name
    alias.__qualname__ = f"{new.__qualname__.rpartition('.')[0]}.{old_name}".lstrip(".")
    alias.__doc__ = f"Deprecated alias of :meth:`{new_name}`; it warns with ``DeprecationWarning``."
    return alias
