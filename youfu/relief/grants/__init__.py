"""临时救助 temporary relief."""
