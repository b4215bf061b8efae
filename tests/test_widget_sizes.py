"""Every course widget fits a 900-px column and shows each PNG at its own pixel size.

One widget per chapter, built as its notebook builds it, clicked once, rendered; each
``ipywidgets.Image``'s declared width/height must equal the PNG's real size (read from the
PNG header: no stretching), and the widest row of pictures must fit ``COLUMN_PX``.
"""

from __future__ import annotations

import struct
import warnings

import ipywidgets as widgets
import numpy as np
import pytest
from toy_models import LINE_START, line_data

from emlib.em import run
from emlib.mixtures import BinomialMixture, BinomialMixtureParams
from emlib.theory import GaussianMixture1D, Mixture1DParams, OneMeanMixture
from emlib.views import plotting
from emlib.views.ball import OnePegWidget, ball_stepper
from emlib.views.gmm import gmm_stepper
from emlib.views.hmm import ice_cream_stepper
from emlib.views.kmeans import kmeans_stepper
from emlib.views.mixtures import coin_stepper
from emlib.views.plsa import plsa_stepper
from emlib.views.prereq import BayesWidget, JensenWidget, KLWidget
from emlib.views.theory import EMEffectWidget, bound_gap_stepper
from emlib.views.variants import OnlineEMWidget

RNG = np.random.default_rng(0)
BLOBS = np.vstack([RNG.normal(c, 0.5, (40, 2)) for c in ((0, 0), (3, 1), (1, 3))])


def _online():
    X = line_data(0, 200)
    start = Mixture1DParams(**LINE_START)
    batch = run(GaussianMixture1D(2), X, start, max_iter=50).params
    return OnlineEMWidget(GaussianMixture1D(2), X, start, batch, batch_size=20, random_state=0)


def _effect():
    model = OneMeanMixture([0.0, 2.0], [1.0, 1.0], [0.4, 0.6])
    return EMEffectWidget(model, line_data(0), model.params_at(-3.5), model.parameter(-4, 4))


WIDGETS = {
    "00 coins": coin_stepper,
    "01 Bayes": lambda: BayesWidget(["coin A", "coin B"], prior=[0.5, 0.5],
                                    likelihood=[0.2, 0.05]),
    "02 Jensen": lambda: JensenWidget(x=(0.5, 1.5, 3.0), weights=(0.3, 0.4, 0.3)),
    "02 KL": lambda: KLWidget(p=(0.5, 0.3, 0.2), q=(0.2, 0.2, 0.6)),
    "03 one peg": lambda: OnePegWidget(p=0.5),
    "04 three pegs": lambda: ball_stepper("aabbbc", random_state=3),
    "05 k-means": lambda: kmeans_stepper(BLOBS, 3, init="random", random_state=4),
    "06 GMM": lambda: gmm_stepper(BLOBS, n_components=3, random_state=0),
    "07 EM effect": _effect,
    "07 bound gap": lambda: bound_gap_stepper(BinomialMixture(2, 10), np.array([5, 9, 8, 4, 7]),
                                              BinomialMixtureParams([0.5, 0.5], [0.6, 0.5])),
    "08 PLSA": lambda: plsa_stepper(RNG.poisson(1.0, (10, 12)),
                                    [f"w{i}" for i in range(12)], n_topics=3, random_state=7),
    "09 online EM": _online,
    "10 HMM": ice_cream_stepper,
}


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def px(value: str) -> int:
    assert value.endswith("px"), value
    return int(value[:-2])


def width(widget: widgets.Widget) -> int:
    """The pixel width of the pictures inside ``widget`` (an HBox adds its children up)."""
    if isinstance(widget, widgets.Image):
        return px(widget.layout.width)
    if not isinstance(widget, widgets.Box):
        return 0
    widths = [width(child) for child in widget.children]
    return sum(widths) if isinstance(widget, widgets.HBox) else max(widths, default=0)


def images(widget: widgets.Widget) -> list[widgets.Image]:
    if isinstance(widget, widgets.Image):
        return [widget]
    if isinstance(widget, widgets.Box):
        return [image for child in widget.children for image in images(child)]
    return []


@pytest.mark.parametrize("name", list(WIDGETS))
def test_images_are_shown_at_their_size_and_fit_the_column(name):
    widget = WIDGETS[name]()
    buttons = getattr(widget, "buttons", {})
    for label in ("E step", "Feed 1 batch"):
        if label in buttons:
            buttons[label].click()
    shown = images(widget)
    assert shown, f"{name} shows no picture"
    for image in shown:
        assert (px(image.layout.width), px(image.layout.height)) == png_size(bytes(image.value))
    assert width(widget) <= plotting.COLUMN_PX
    png = widget.snapshot_png()  # the static picture stored with the notebook
    assert png_size(png)[0] == width(widget)
    assert "image/png" in widget._repr_mimebundle_()


def test_chinese_text_renders_without_missing_glyphs():
    if not plotting.cjk_font_available():
        pytest.skip(f"{plotting.CJK_FONT} is not installed (apt: fonts-noto-cjk)")
    canvas = plotting.Canvas("small")
    ax = canvas.subplots()
    ax.set_title("期望最大化算法 EM")
    ax.set_xlabel("隐变量 z")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would raise
        assert canvas.png()[:4] == b"\x89PNG"


@pytest.mark.parametrize("name", ["00 coins", "04 three pegs", "06 GMM", "08 PLSA", "10 HMM"])
def test_pictures_updated_in_place_redraw_a_record_exactly(name):
    """The steppers that move their artists instead of redrawing: going back to a
    half-step shows the very same picture as when it was first drawn."""
    widget = WIDGETS[name]()
    first = bytes(widget.picture.value)
    widget.buttons["E step"].click()
    after_e = bytes(widget.picture.value)
    widget.buttons["M step"].click()
    assert bytes(widget.picture.value) != after_e  # θ moved
    widget.slider.value = 1
    assert bytes(widget.picture.value) == after_e
    widget.slider.value = 0
    assert bytes(widget.picture.value) == first


@pytest.mark.parametrize("name", list(WIDGETS))
def test_figure_text_is_at_least_10_px(name):
    from matplotlib.text import Text

    widget = WIDGETS[name]()
    canvases = [v for v in vars(widget).values() if isinstance(v, plotting.Canvas)]
    assert canvases
    for canvas in canvases:
        for text in canvas.figure.findobj(Text):
            if text.get_visible() and text.get_text().strip():
                size_px = text.get_fontsize() * plotting.DPI / 72
                assert size_px >= 10 - 1e-9, (text.get_text(), size_px)


@pytest.mark.parametrize("name", list(WIDGETS))
def test_no_label_is_cut_off_after_clicks(name):
    """Each axes with its tick labels, axis labels, title and legend stays inside its
    picture, also after the numbers have moved (layouts kept from the first picture)."""
    widget = WIDGETS[name]()
    buttons = getattr(widget, "buttons", {})
    for label in ["E step", "M step"] * 3 + ["Feed 1 batch"] * 3:
        if label in buttons:
            buttons[label].click()
    canvases = [v for v in vars(widget).values() if isinstance(v, plotting.Canvas)]
    for canvas in canvases:
        canvas.png()
        renderer = canvas.figure.canvas.get_renderer()
        width_px, height_px = canvas.width_px, canvas.height_px
        for ax in canvas.figure.axes:
            box = ax.get_tightbbox(renderer)
            assert box.x0 >= -1 and box.y0 >= -1, (name, ax.get_title(), box)
            assert box.x1 <= width_px + 1 and box.y1 <= height_px + 1, (name, box)
