# Copyright (c) uet_mmdet authors. All rights reserved.
"""ESTIMATE: Monte-Carlo dropout uncertainty, torch only.

Knows nothing of mmdet or mmrazor; losses and distillers call it.
"""
from .conv_moments import (conv_mc_moments, conv_of_squares,
                           mc_variance_factors)
from .estimate import UncertaintyEstimate
from .maps import (mean_one_weights, rank_correlation, relative_confidence,
                   sigmoid_mutual_information, sigmoid_predictive_entropy)
from .mc_dropout import (MAX_EXACT_SAMPLES, check_rates, dropout_samples,
                         dropout_schedule, feature_mc_moments,
                         feature_mc_moments_exact, mc_moments,
                         module_mc_samples)

__all__ = [
    'MAX_EXACT_SAMPLES', 'UncertaintyEstimate', 'check_rates',
    'conv_mc_moments', 'conv_of_squares', 'dropout_samples',
    'dropout_schedule', 'feature_mc_moments', 'feature_mc_moments_exact',
    'mc_moments', 'mc_variance_factors', 'mean_one_weights',
    'module_mc_samples', 'rank_correlation', 'relative_confidence', 'sigmoid_mutual_information',
    'sigmoid_predictive_entropy'
]
