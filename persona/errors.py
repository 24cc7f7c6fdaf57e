"""Errors a user can act on: the CLI prints their message (no traceback) and exits 2."""


class PersonaError(Exception):
    """Bad input or configuration, with a message that says what and where."""
