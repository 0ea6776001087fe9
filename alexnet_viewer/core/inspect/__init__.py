"""Looking inside: receptive fields, the architecture table, the formula of one cell, A/B comparison."""
