"""A learner's clicks in a real browser: Voila serves chapter 00, headless Chromium clicks.

The stepping widget must answer E and M with new numbers in its label and a new picture.
"""

from __future__ import annotations

import re

import pytest
from browser_support import chapter_page

pytestmark = pytest.mark.browser


def test_coin_stepper_answers_e_and_m_clicks(tmp_path):
    from playwright.sync_api import expect

    with chapter_page("00_welcome.ipynb") as page:
        e_button = page.get_by_role("button", name="E step")
        expect(e_button).to_be_visible()  # widgets rendered: the kernel ran the chapter
        label = page.locator(".widget-html").filter(has_text="iteration").first
        expect(label).to_contain_text("init (iteration 0): ln p = -11.3206")
        picture = page.locator("img.widget-image").first
        expect(picture).to_have_attribute("src", re.compile("^blob:"))
        before = picture.get_attribute("src")

        page.get_by_role("button", name="M step").click()  # refused before any E step
        expect(page.locator(".widget-html").filter(has_text="Press 'E step' first")).to_be_visible()

        e_button.click()
        expect(label).to_contain_text("E (iteration 1): ln p = -11.3206")
        expect(label).to_contain_text("KL = 0.0000")
        expect(picture).not_to_have_attribute("src", before)

        after_e = picture.get_attribute("src")
        page.get_by_role("button", name="M step").click()
        expect(label).to_contain_text("M (iteration 1): ln p = -10.0860, L = -10.2239")
        expect(picture).not_to_have_attribute("src", after_e)

        page.get_by_role("button", name="Undo").click()
        expect(label).to_contain_text("E (iteration 1)")
        page.screenshot(path=str(tmp_path / "coins.png"))
