"""Roster tests read the checks' messages in English unless a test asks for Chinese."""

import pytest

from hotline import i18n


@pytest.fixture(autouse=True)
def english():
    token = i18n.set_locale("en")
    yield
    i18n.reset_locale(token)
