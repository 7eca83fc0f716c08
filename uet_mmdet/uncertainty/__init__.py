# Copyright (c) uet_mmdet authors. All rights reserved.
"""ESTIMATE: Monte-Carlo dropout uncertainty, torch only.

Knows nothing of mmdet or mmrazor; losses and distillers call it.
"""
from .conv_moments import conv_mc_moments, conv_of_squares, mc_variance_factors
from .estimate import UncertaintyEstimate
from .maps import (floored, mean_one_weights, rank_confidence,
                   rank_correlation, relative_confidence,
                   sigmoid_mutual_information, sigmoid_predictive_entropy)
from .mc_dropout import (MAX_EXACT_SAMPLES, check_rates, dropout_samples,
                         dropout_schedule, feature_mc_moments,
                         feature_mc_moments_exact, mc_moments,
                         module_mc_samples)
from .measures import moment_uncertainty, sample_uncertainty
from .moment_propagation import (conv2d_moments, dropout_input_moments,
                                 norm_moments, propagate_moments, relu_moments,
                                 sigmoid_gaussian_uncertainty)
from .precision import (at_least_float32, autocast_off, compute_dtype,
                        power_of_two_scale)

__all__ = [
    'at_least_float32', 'autocast_off', 'check_rates', 'compute_dtype',
    'conv2d_moments', 'conv_mc_moments', 'conv_of_squares',
    'dropout_input_moments', 'dropout_samples', 'dropout_schedule',
    'feature_mc_moments', 'feature_mc_moments_exact', 'floored',
    'MAX_EXACT_SAMPLES', 'mc_moments', 'mc_variance_factors',
    'mean_one_weights', 'module_mc_samples', 'moment_uncertainty',
    'norm_moments', 'power_of_two_scale', 'propagate_moments',
    'rank_confidence', 'rank_correlation', 'relative_confidence',
    'relu_moments', 'sample_uncertainty', 'sigmoid_gaussian_uncertainty',
    'sigmoid_mutual_information', 'sigmoid_predictive_entropy',
    'UncertaintyEstimate'
]
