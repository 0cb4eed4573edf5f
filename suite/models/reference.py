"""The 'model' of a corpus-statistics row (wae-1's Corpus, wae-2's Test Set): nothing is trained; its metric
group measures the data itself, through the same run records, caching and tables as the model rows."""

from torch import nn


class ReferenceStatistics(nn.Module):
    likelihood = "none"
