"""Views: every picture and widget of the course, and the only package that imports
matplotlib or ipywidgets (``tests/test_layers.py`` imports every other emlib module alone
and checks that neither gets loaded).

Data flows one way: data → model → :func:`emlib.em.run` / :class:`emlib.em.Stepper` →
:class:`emlib.em.Trace` → a view. Models never import views.

* ``plotting`` — the course style, the two kinds of figure (:func:`~emlib.views.plotting.
  new_figure`, a pyplot figure for a notebook cell; :class:`~emlib.views.plotting.Canvas`,
  one Agg figure a widget redraws in place) and the drawings several chapters share.
  Nothing here calls ``matplotlib.use``: the user's backend is never changed.
* ``stepper`` — :class:`~emlib.views.stepper.StepperWidget`, the generic E/M widget, and
  the base and builders every widget shares.
* One module per chapter topic: ``prereq`` (Bayes, Jensen, KL), ``ball``, ``mixtures``
  (the coins), ``kmeans``, ``gmm``, ``theory``, ``plsa``, ``variants``.
* ``figures`` — ``python -m emlib.views.figures`` writes the static figures.
"""

__all__: list[str] = []
