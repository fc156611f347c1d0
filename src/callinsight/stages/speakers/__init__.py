"""Who is the rep: diarization of mono recordings and roles for anonymous speakers.

``diarize`` splits a mono call into voices, ``cues`` and ``voices`` guess which one is the
rep (from what each says and from the rep's enrolled voice), ``assign`` applies the
guess, the ``speakers`` column of calls.csv overriding both.
"""

from callinsight.stages.speakers.assign import assign_roles, labels_of, relabel
from callinsight.stages.speakers.cues import RoleGuess, guess_rep, load_cues

__all__ = ["RoleGuess", "assign_roles", "guess_rep", "labels_of", "load_cues", "relabel"]
