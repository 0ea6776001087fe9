"""Lecture mode: presentation mode and its keyboard map, scenes and lectures, the
architecture table and the About AlexNet facts."""
