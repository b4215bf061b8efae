"""Chapter 04 in a real browser: Voila serves the ball game, headless Chromium clicks.

E must split cup b's balls between paths 1 and 2 (the expected counts appear under the
drawing), M must move the p's, and a second iteration must change nothing (θ⁽²⁾ = θ⁽¹⁾).
"""

from __future__ import annotations

import re

import pytest
from browser_support import chapter_page

pytestmark = pytest.mark.browser


def test_ball_stepper_answers_e_and_m_clicks(tmp_path):
    from playwright.sync_api import expect

    with chapter_page("04_ball_em.ipynb") as page:
        # the ball widget is the chapter's first stepper; the coins' comes later
        e_button = page.get_by_role("button", name="E step").first
        expect(e_button).to_be_visible()  # widgets rendered: the kernel ran the chapter
        label = page.locator(".widget-html").filter(has_text="iteration").first
        expect(label).to_contain_text("init (iteration 0): ln p = -105.8158")
        table = page.locator(".widget-html").filter(has_text="E step to fill in").first
        expect(table).to_be_visible()
        picture = page.locator("img.widget-image").first
        expect(picture).to_have_attribute("src", re.compile("^blob:"))
        at_start = picture.get_attribute("src")

        e_button.click()
        expect(label).to_contain_text("E (iteration 1): ln p = -105.8158")
        expect(label).to_contain_text("KL = 0.0000")
        expected = page.locator(".widget-html").filter(has_text="E[N_y] =").first
        expect(expected).to_contain_text("E[N_y] = 33.00, 33.09, 18.91, 15.00")
        expect(expected).to_contain_text("0.636")  # the article's table: Pr(y=1 | b)
        expect(picture).not_to_have_attribute("src", at_start)
        after_e = picture.get_attribute("src")

        page.get_by_role("button", name="M step").first.click()
        expect(label).to_contain_text("M (iteration 1): ln p = -99.0468")
        expect(expected).to_contain_text("(0.3391, 0.5007, 0.4424)")
        expect(picture).not_to_have_attribute("src", after_e)

        page.get_by_role("button", name="E+M").first.click()  # θ⁽²⁾ = θ⁽¹⁾
        expect(label).to_contain_text("M (iteration 2): ln p = -99.0468")
        expect(expected).to_contain_text("(0.3391, 0.5007, 0.4424)")

        before_reset = picture.get_attribute("src")
        page.get_by_role("button", name="Reset").first.click()
        expect(label).to_contain_text("init (iteration 0): ln p = -105.8158")
        expect(table).to_be_visible()
        expect(picture).not_to_have_attribute("src", before_reset)
        page.screenshot(path=str(tmp_path / "ball.png"))
