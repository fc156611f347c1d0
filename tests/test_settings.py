"""Settings: defaults, YAML file, CALLINSIGHT_* env vars and explicit overrides."""

import pytest

from callinsight.contracts import InputError
from callinsight.settings import Settings, load_settings


def test_precedence_file_env_flags(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("whisper_model: base\nmin_support: 3\nvocabulary: [Relay, Outreach]\n")
    env = {"CALLINSIGHT_MIN_SUPPORT": "4", "CALLINSIGHT_REDACT": "false", "OTHER": "x"}
    s = load_settings(cfg, env=env, alpha=0.1)
    assert s.whisper_model == "base"
    assert s.min_support == 4  # env beats file
    assert s.redact is False
    assert s.alpha == 0.1  # flag beats env
    assert s.vocabulary == ("Relay", "Outreach")


def test_defaults_and_bad_values(tmp_path):
    assert load_settings(env={}) == Settings()
    with pytest.raises(InputError, match="min_support"):
        load_settings(env={"CALLINSIGHT_MIN_SUPPORT": "many"})
    with pytest.raises(InputError, match="Unknown setting 'bogus'"):
        Settings().replace(bogus=1)
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(InputError, match="mapping"):
        load_settings(bad, env={})
    assert load_settings(env={"CALLINSIGHT_WINDOW_DAYS": "none"}).window_days is None
