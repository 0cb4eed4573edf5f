"""Training loop, optimiser and schedules of the Coupled-VAE setup."""
