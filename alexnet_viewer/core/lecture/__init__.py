"""Lectures: scenes saved to a file, the data written for slides, About AlexNet."""
