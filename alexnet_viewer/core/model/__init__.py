"""The network and its weights: which weights, reading and checking weight files, the verified download, device faults."""
