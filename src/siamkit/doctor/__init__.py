"""siamkit doctor: find what is wrong with a Siamese setup before hours of training are lost.

:func:`diagnose` runs cheap checks on the data, the model's structure, short training probes and the
loss convention, and returns a :class:`Diagnosis` of :class:`Finding` s, each with an id, a severity,
measured evidence and a concrete fix. ``siamkit doctor CKPT --dataset NAME`` does the same for a
checkpoint. Pair labels: 1 = same, 0 = different.
"""

from siamkit.doctor.diagnose import CHECKS, diagnose
from siamkit.doctor.findings import Diagnosis, Finding
from siamkit.doctor.render import print_diagnosis, print_expected

__all__ = ["CHECKS", "Diagnosis", "Finding", "diagnose", "print_diagnosis", "print_expected"]
