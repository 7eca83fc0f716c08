# Copyright (c) uet_mmdet authors. All rights reserved.
"""Typed errors: the key and suggestion of a ConfigError, and a ``uet``
setting validated in one place, whoever builds it."""
import pickle

import pytest
from mmengine.config import Config
from mmrazor.registry import MODELS

from uet_mmdet.datasets import DatasetCheckError
from uet_mmdet.errors import ConfigError, UserInputError
from uet_mmdet.models.uet import UETConfigError, UETSettings
from uet_mmdet.utils import ConfigCheckError
from uet_mmdet.utils.config_checks import check_uet_settings
from uet_mmdet.utils.weights_download import WeightsDownloadError


def test_config_error_text_key_and_suggestion():
    error = ConfigError('model.distiller.uet.num_samples',
                        'must be >= 1, got 0', "mode='off' turns UET off")
    assert str(error) == ("model.distiller.uet.num_samples: must be >= 1, "
                          "got 0; mode='off' turns UET off")
    assert error.key == 'model.distiller.uet.num_samples'
    assert error.message == 'must be >= 1, got 0'
    assert str(ConfigError('', 'no model')) == 'no model'
    assert str(ConfigError('a.b', 'bad')) == 'a.b: bad'
    assert isinstance(error, UserInputError) and isinstance(error, ValueError)


def test_config_error_survives_a_rebuild_from_its_text_and_pickling():
    error = UETConfigError('uet.tau', 'must be > 0, got 0', 'try 1.0')
    # what a registry that re-raises ``type(e)(text)`` would make of it
    rebuilt = type(error)(str(error))
    assert str(rebuilt) == 'uet.tau: must be > 0, got 0; try 1.0'
    assert rebuilt.key == ''
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is UETConfigError
    assert (copy.key, copy.message,
            copy.suggestion) == ('uet.tau', 'must be > 0, got 0', 'try 1.0')
    assert str(copy) == str(error)


def test_within_reads_the_key_from_a_block_further_up():
    error = UETConfigError('uet.mode', 'bad',
                           'fix it').within('model.distiller')
    assert type(error) is UETConfigError
    assert str(error) == 'model.distiller.uet.mode: bad; fix it'
    assert ConfigError('', 'no host').within('x').key == 'x'


def test_config_check_error_names_its_key_in_the_sentence():
    error = ConfigCheckError('load_from',
                             'checkpoint (load_from) not found: a.pth',
                             'get it')
    assert str(error) == 'checkpoint (load_from) not found: a.pth; get it'
    assert error.key == 'load_from'
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


@pytest.mark.parametrize('error_class', [
    ConfigCheckError, UETConfigError, DatasetCheckError, WeightsDownloadError
])
def test_the_tools_catch_every_fixable_error_as_user_input(error_class):
    assert issubclass(error_class, UserInputError)


def _distiller(uet):
    """A distiller config with nothing but its ``uet`` block: the settings
    are checked before anything else is built."""
    return dict(type='UETDistiller', _scope_='mmrazor', uet=uet)


@pytest.mark.parametrize('uet, key, message', [
    (dict(mode='bogus'), 'uet.mode',
     "must be one of ['off', 'residual', 'weight', 'both'], got 'bogus'"),
    (dict(residual_scale='half'), 'uet.residual_scale',
     "must be one of ['sum', 'mean'], got 'half'"),
])
def test_a_bad_transfer_setting_is_one_error_wherever_it_is_built(
        uet, key, message):
    raised = []
    with pytest.raises(UETConfigError) as error:
        check_uet_settings(Config(dict(model=dict(distiller=dict(uet=uet)))))
    raised.append(error.value)
    with pytest.raises(UETConfigError) as error:
        MODELS.build(
            dict(
                type='UETLoss',
                _scope_='mmrazor',
                host=dict(type='PKDLoss'),
                **uet))
    raised.append(error.value)
    with pytest.raises(UETConfigError) as error:
        MODELS.build(_distiller(uet))
    raised.append(error.value)
    assert [e.key for e in raised] == [f'model.distiller.{key}', key, key]
    assert {e.message for e in raised} == {message}
    assert str(raised[1]) == str(raised[2]) == f'{key}: {message}'


def test_a_bad_sample_count_is_the_same_error_before_and_at_build():
    uet = dict(num_samples=0)
    with pytest.raises(UETConfigError) as checked:
        check_uet_settings(Config(dict(model=dict(distiller=dict(uet=uet)))))
    with pytest.raises(UETConfigError) as built:
        MODELS.build(_distiller(uet))
    assert checked.value.key == 'model.distiller.uet.num_samples'
    assert built.value.key == 'uet.num_samples'
    assert checked.value.message == built.value.message
    assert built.value.message.startswith(
        'K, the number of MC-dropout samples, must be an integer >= 1')
    assert built.value.suggestion == "mode='off' turns UET off"


def test_unknown_settings_are_named_with_the_known_ones():
    with pytest.raises(UETConfigError) as error:
        MODELS.build(_distiller(dict(levels='module')))
    assert error.value.key == 'uet'
    assert error.value.message == "unknown setting(s) ['levels']"
    assert "'level'" in error.value.suggestion


@pytest.mark.parametrize('setting, key', [
    (dict(level=None), 'level'),
    (dict(tau='1'), 'tau'),
    (dict(floor=None), 'floor'),
    (dict(p0=None), 'p0'),
    (dict(losses='loss_fgd_fpn0'), 'losses'),
    (dict(outputs=[0, 1]), 'outputs'),
])
def test_a_uet_value_of_the_wrong_type_is_one_keyed_error(setting, key):
    with pytest.raises(UETConfigError, match=rf'^uet\.{key}: must be '):
        UETSettings.from_config(setting)
