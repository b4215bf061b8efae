"""emlib: the library behind emcourse, an interactive course on the EM algorithm.

Every algorithm of the course is an :class:`emlib.em.EMModel` driven by one loop,
:func:`emlib.em.run`, or by hand with :class:`emlib.em.Stepper`. Modules, one topic each:
``em`` (the loop), ``prereq`` (convexity, Jensen, KL, Gaussians), ``plotting`` and
``widgets`` (the pictures and the E/M buttons), and one module per chapter's model.
"""

from . import em, prereq
from .em import EMModel, LatentClassModel, Record, Stepper, Trace, run

__version__ = "0.1.0"
__all__ = ["EMModel", "LatentClassModel", "Record", "Stepper", "Trace", "em", "prereq", "run"]
