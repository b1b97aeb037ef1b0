"""The engagement classifier: features, rules baseline, trained models."""
