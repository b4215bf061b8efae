"""Views: every picture and widget of the course, and the only package that imports
matplotlib or ipywidgets.

Data flows one way: data → model → :func:`emlib.em.run` / :class:`emlib.em.Stepper` →
:class:`emlib.em.Trace` → a view. Models never import views. ``stepper`` holds the generic
E/M widget (:class:`~emlib.views.stepper.StepperWidget`); ``plotting`` the shared drawings
and style; one module per chapter topic holds that chapter's pictures and widgets.
"""

__all__: list[str] = []
