"""The extractive reader: answer-sized candidate sentences, their features, and selection."""
