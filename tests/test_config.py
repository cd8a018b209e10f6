"""tf_lstm.translation.config: TranslatorConfig, its checks, presets and KEY=VALUE overrides."""

import dataclasses

import pytest

from tf_lstm.translation.config import PRESETS, TranslatorConfig


@pytest.mark.parametrize("values, message", [
    ({"units": 0}, r"Argument `units` must be a positive integer\. Received: units=0"),
    ({"batch_size": 2.5}, r"Received: batch_size=2\.5"),
    ({"seed": -1}, r"Argument `seed` must be a non-negative integer"),
    ({"dropout": 1.0}, r"Argument `dropout` must be a number in \[0, 1\)\. "
                       r"Received: dropout=1\.0"),
    ({"dropout": "0.1"}, r"Argument `dropout` must be a number in \[0, 1\)\. "
                         r"Received: dropout='0\.1'"),
    ({"lr_decay": 0.0}, r"Argument `lr_decay` must be in \(0, 1\]"),
    ({"learning_rate": 0.0}, r"Argument `learning_rate` must be positive"),
    ({"clipnorm": float("inf")}, r"Argument `clipnorm` must be positive and finite"),
    ({"max_length": 1}, r"Argument `max_length` must be at least 2 .*Received: max_length=1"),
    ({"length_grouping": "sort"}, r"Argument `length_grouping` must be one of "
                                  r"\('buckets', 'sorted'\)\. Received: length_grouping='sort'"),
    ({"tokenizer": "bpe"}, r"Argument `tokenizer` must be one of \('words', 'wordpiece'\)"),
    ({"precision": "float16"}, r"Argument `precision` must be one of"),
    ({"bidirectional": 1}, r"Argument `bidirectional` must be a boolean"),
    ({"bidirectional": True, "units": 255}, r"Argument `units` must be even"),
    ({"label_smoothing": 1.0}, r"Argument `label_smoothing` must be a number in \[0, 1\)"),
    ({"label_smoothing": "0.1"}, r"`label_smoothing` must be a number in \[0, 1\)"),
    ({"warmup_steps": -1}, r"Argument `warmup_steps` must be a non-negative integer"),
    ({"average_checkpoints": 0}, r"Argument `average_checkpoints` must be a positive integer"),
])
def test_every_field_is_checked(values, message):
    with pytest.raises(ValueError, match=message):
        TranslatorConfig(**values)


def test_overrides_convert_to_each_fields_type_after_preset_and_values():
    config = TranslatorConfig.from_overrides(
        ["units=32", " dropout = 0.25", "length_grouping=sorted"], preset="tatoeba",
        epochs=3, units=64)
    assert (config.units, config.dropout, config.length_grouping, config.epochs) == \
        (32, 0.25, "sorted", 3)  # the override wins over the value
    assert config.max_target_vocabulary == PRESETS["tatoeba"]["max_target_vocabulary"]
    assert type(config.units) is int and type(config.dropout) is float
    assert TranslatorConfig.from_overrides() == TranslatorConfig()  # the demo preset


@pytest.mark.parametrize("text, value", [("true", True), ("True", True), ("1", True),
                                         ("yes", True), ("false", False), ("0", False),
                                         ("NO", False)])
def test_boolean_overrides_read_true_and_false(text, value):
    config = TranslatorConfig.from_overrides([f"input_feeding={text}"])
    assert config.input_feeding is value


@pytest.mark.parametrize("overrides, preset, message", [
    (["units"], "demo", r"Override 'units' must be KEY=VALUE with KEY one of \['attention_scale'"),
    (["colour=red"], "demo", r"Override 'colour=red' must be KEY=VALUE"),
    (["units=1.5"], "demo", r"Override 'units=1\.5': `units` must be an int\. Received: '1\.5'"),
    (["dropout=lots"], "demo", r"`dropout` must be a float\. Received: 'lots'"),
    (["dropout=1.5"], "demo", r"Argument `dropout` must be a number in \[0, 1\)"),
    (["bidirectional=2"], "demo", r"`bidirectional` must be a bool \(true/false, 1/0 or yes/no\)\. "
                                  r"Received: '2'"),
    ([], "huge", r"Argument `preset` must be one of \['demo', 'tatoeba'\]\. "
                 r"Received: preset='huge'"),
])
def test_bad_overrides_name_the_override(overrides, preset, message):
    with pytest.raises(ValueError, match=message):
        TranslatorConfig.from_overrides(overrides, preset=preset)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_is_a_valid_config_of_known_fields(preset):
    fields = {field.name for field in dataclasses.fields(TranslatorConfig)}
    assert set(PRESETS[preset]) <= fields
    config = TranslatorConfig.from_overrides(preset=preset)  # runs every check
    assert {k: getattr(config, k) for k in PRESETS[preset]} == PRESETS[preset]
