"""The per-frame hot path: picture → preprocess → forward with hooks → statistics, mosaics → one transfer → an immutable Result."""
