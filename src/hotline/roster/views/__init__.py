"""Roster pages, one module per part of the work: the home and lines (home), counsellor profiles (staff),
the week grid and forecast (grid), a counsellor's own shifts and time off (mine), swaps (swap_pages), files
in and out with the calendar feed (files), and who is on now as JSON with the wellbeing pages
(wellbeing_pages)."""

from fastapi import APIRouter

from hotline.roster.views import files, grid, home, mine, staff, swap_pages, wellbeing_pages
from hotline.roster.views.common import TEMPLATE_FILTERS, TEMPLATE_GLOBALS

pages = APIRouter()
api = APIRouter()
# In the order the routes had in one module: FastAPI matches the first route that fits.
for _part in (home, staff, grid, mine, swap_pages, files, wellbeing_pages):
    if hasattr(_part, "pages"):
        pages.include_router(_part.pages)
    if hasattr(_part, "api"):
        api.include_router(_part.api)

__all__ = ["TEMPLATE_FILTERS", "TEMPLATE_GLOBALS", "api", "pages"]
