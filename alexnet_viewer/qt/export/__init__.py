"""Export for slides: pictures, statistics, activations and animations of what the window shows."""
