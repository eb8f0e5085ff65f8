"""Placeholder until this stage lands (being written now)."""


def extract(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise NotImplementedError
