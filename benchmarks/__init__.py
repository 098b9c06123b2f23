"""Benchmarks of the console and the command line against plain delta-rs / polars."""
