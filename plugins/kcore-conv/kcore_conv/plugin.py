"""kcore-conv's hooks (registrations only; the code lives beside this module)."""
from kcore.plugins import hookimpl  # noqa: F401
