"""结对帮扶 departments paired with households."""
