"""E-mail intake's adapters: reading a raw message into what intake decides on."""

from caseloom.adapters.mail.reading import EmailReader

__all__ = ["EmailReader"]
