"""住房改造 housing surveys and cases."""
