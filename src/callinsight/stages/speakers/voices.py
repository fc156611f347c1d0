"""The rep's voice, enrolled from the rep's own calls.

The same rep speaks in every one of their calls while the customers change, so the voice
print that recurs across a rep's diarized calls is the rep's. A call whose roles were
settled confidently (text cues, the ``speakers`` column) adds its rep voice to the rep's
profile; a later call is matched against that profile. Voice prints stay in the store's
transcript cache (``options["voices"]``) and never leave it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from callinsight.stages.speakers.cues import RoleGuess

VOICE_SCALE = 0.08  # a cosine margin of 0.08 between the two voices gives confidence 0.73


def encode_voices(voices: dict[str, np.ndarray]) -> dict[str, list[float]]:
    """Voice prints as JSON-friendly lists (4 decimals are plenty for a cosine)."""
    return {k: [round(float(x), 4) for x in v] for k, v in voices.items()}


def rep_print(options: dict, min_confidence: float = 0.9) -> np.ndarray | None:
    """The rep's voice in one call's transcript options, if its roles were settled surely."""
    voices = options.get("voices") or {}
    record = options.get("roles") or {}
    if float(record.get("confidence") or 0.0) < min_confidence:
        return None
    roles = record.get("roles") or {}
    rep = [lab for lab, role in roles.items() if role == "rep"]
    if len(rep) != 1 or rep[0] not in voices:
        return None
    return np.asarray(voices[rep[0]], dtype=np.float32)


def profile(prints: Sequence[np.ndarray], min_calls: int = 2,
            min_agreement: float = 0.85) -> np.ndarray | None:
    """The rep's voice: the mean of the prints, if they agree (else several people share a name).

    ``min_agreement`` is the least mean cosine of each print to the mean of the others.
    CAM++ call centroids of different people on the real dev calls have cosines of
    0.55-0.83, the same person in two calls 0.92-0.93: one login shared by a whole team
    ("agent") gives no profile.
    """
    if len(prints) < min_calls:
        return None
    x = np.stack([p / max(float(np.linalg.norm(p)), 1e-9) for p in prints])
    total = x.sum(axis=0)
    loo = [(float(x[i] @ (total - x[i])) / max(float(np.linalg.norm(total - x[i])), 1e-9))
           for i in range(len(x))]
    if float(np.mean(loo)) < min_agreement:
        return None
    mean = total / len(x)
    return mean / max(float(np.linalg.norm(mean)), 1e-9)


def rep_profile(store: object, call_id: str, rep: str) -> np.ndarray | None:
    """The rep's enrolled voice from the store's other settled calls of this rep."""
    if not rep:
        return None
    return profile(store.rep_voice_prints(rep, exclude_call=call_id))  # type: ignore[attr-defined]


def guess_by_voice(voices: dict[str, Sequence[float]], rep_profile: np.ndarray) -> RoleGuess:
    """The label whose voice is closest to the rep's profile, with a confidence from the margin."""
    sims = {lab: float(np.asarray(v, dtype=np.float32) @ rep_profile
                       / max(float(np.linalg.norm(v)), 1e-9)) for lab, v in voices.items()}
    if not sims:
        return RoleGuess(None, 0.0, "voice")
    ranked = sorted(sims, key=sims.get, reverse=True)  # type: ignore[arg-type]
    margin = sims[ranked[0]] - (sims[ranked[1]] if len(ranked) > 1 else 0.0)
    confidence = 1 / (1 + math.exp(-margin / VOICE_SCALE))
    evidence = {lab: [f"voice similarity {sims[lab]:.2f}"] for lab in ranked}
    return RoleGuess(ranked[0], round(confidence, 3), "voice", evidence)


def combine(text: RoleGuess, voice: RoleGuess) -> RoleGuess:
    """Text and voice as independent evidence: their log-odds add (two-speaker calls)."""
    def logit(guess: RoleGuess, label: str | None) -> float:
        if guess.rep is None or label is None:
            return 0.0
        p = min(max(guess.confidence, 0.5), 0.999)
        return math.log(p / (1 - p)) * (1 if guess.rep == label else -1)

    label = voice.rep or text.rep
    total = logit(text, label) + logit(voice, label)
    if total < 0:  # the text outweighs the voice: the text's label is the rep
        label, total = text.rep, -total
    confidence = 1 / (1 + math.exp(-total))
    evidence = {k: [*text.evidence.get(k, []), *voice.evidence.get(k, [])]
                for k in {*text.evidence, *voice.evidence}}
    return RoleGuess(label, round(confidence, 3), "voice and text cues", evidence)
