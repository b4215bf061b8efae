"""emlib: the library behind emcourse, an interactive course on the EM algorithm.

Every algorithm of the course is an :class:`emlib.em.EMModel` driven by one loop,
:func:`emlib.em.run`, or by hand with :class:`emlib.em.Stepper`. Modules, one topic each:
``em`` (the loop), ``estimator`` (the base every estimator shares), ``prereq`` (convexity,
Jensen, KL, Gaussians), one module per chapter's model, ``exercises`` (the learner's E and
M steps, checked) and ``views`` (every picture and widget; the only package that imports
matplotlib or ipywidgets).
"""

from . import em, prereq
from ._validation import NotFittedError
from .em import EMModel, LatentClassModel, Record, Stepper, Trace, run

__version__ = "0.1.0"
__all__ = ["EMModel", "LatentClassModel", "NotFittedError", "Record", "Stepper", "Trace", "em",
           "prereq", "run"]
