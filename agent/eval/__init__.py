"""The agent evaluation: cases (dev and test splits), harness, scoring and oracle."""
