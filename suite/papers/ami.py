"""Pan et al. (ICML 2020), "Adversarial Mutual Information for Text Generation".
The main paper's tables are not available, so tables/ami-dialog.yaml lists rows without values."""

from suite.registry import register_rows

register_rows("ami-dialog", {row: None for row in ("transformer", "mmi", "ami")},
              reason="AMI and its baselines not implemented yet")
