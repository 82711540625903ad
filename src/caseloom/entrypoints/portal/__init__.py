"""The customer portal: open a case from a web form, follow it on a status page."""

from caseloom.entrypoints.portal.routes import router
from caseloom.entrypoints.portal.submission import MAX_FILES

SUBMIT_PATH = "/portal/cases"  # where the form posts, with its uploads

__all__ = ["MAX_FILES", "SUBMIT_PATH", "router"]
