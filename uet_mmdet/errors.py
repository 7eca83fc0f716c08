# Copyright (c) uet_mmdet authors. All rights reserved.
"""The exceptions uet_mmdet raises for input a user can fix.

Library code raises them where the problem is found and neither prints nor
exits; ``tools/*.py`` catch :class:`UserInputError` in ``main()`` and print
one ``error:`` line (exit status 2). Nothing here imports the rest of the
package, so every layer can raise them.
"""
from typing import Optional


class UserInputError(ValueError):
    """Bad input a user can fix: a config, a file, a command-line value."""


class ConfigError(UserInputError):
    """A config value that cannot work.

    ``str(error)`` is ``'<key>: <message>; <suggestion>'`` (the parts that
    are given).

    Args:
        key (str): Dotted path of the value, from the config's root when the
            raiser knows it (``'model.distiller.uet.num_samples'``), else
            from the block it was given (``'uet.num_samples'``); empty when
            the problem is the whole config. Given alone, without
            ``message``, it is taken as the whole message and the key is
            empty (so that ``type(error)(str(error))`` rebuilds the error).
        message (str, optional): What is wrong, e.g.
            ``'must be >= 1, got 0'``.
        suggestion (str, optional): What to do instead.
    """

    def __init__(self,
                 key: str,
                 message: Optional[str] = None,
                 suggestion: Optional[str] = None) -> None:
        if message is None:
            key, message = '', key
        self.key = key
        self.message = message
        self.suggestion = suggestion
        text = f'{key}: {message}' if key else message
        if suggestion:
            text = f'{text}; {suggestion}'
        super().__init__(text)

    def within(self, prefix: str) -> 'ConfigError':
        """The same error with its key read from ``prefix``, e.g.
        ``'model.distiller'`` turns ``'uet.mode'`` into
        ``'model.distiller.uet.mode'``.

        Args:
            prefix (str): Dotted path of the block the key is relative to.

        Returns:
            ConfigError: A new error of the same class.
        """
        key = f'{prefix}.{self.key}' if self.key else prefix
        return type(self)(key, self.message, self.suggestion)

    def __reduce__(self):
        return type(self), (self.key, self.message, self.suggestion)


__all__ = ['ConfigError', 'UserInputError']
