"""The daemon's HTTP JSON API: routes over the ApiServices port, errors as {code,message,field}."""

from stoker.api.app import create_app
from stoker.api.ports import ApiServices

__all__ = ["ApiServices", "create_app"]
