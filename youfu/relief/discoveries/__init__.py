"""应享未享 people who appear to qualify for something they do not get."""
